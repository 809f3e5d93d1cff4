"""Prometheus metrics (prometheus-client): the process registry, ``/metrics`` rendering,
bounded label values and the HTTP server metrics every service shares.

Names follow Prometheus's conventions ("Metric and label naming"): a unit suffix in base units
(``_seconds``, ``_bytes``), ``_total`` on counters, labels with a small fixed set of values.
Values that come from clients (operation names, client names) pass through :class:`BoundedLabel`,
so a client cannot grow the series count without bound.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

__all__ = [
    "CONTENT_TYPE_LATEST",
    "LATENCY_BUCKETS",
    "BoundedLabel",
    "Children",
    "HttpMetrics",
    "enabled",
    "http_metrics",
    "registry",
    "render",
    "set_enabled",
]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; from 1 ms (a cached subgraph answer) to 10 s (the longest timeouts)."""

_enabled = False


def enabled() -> bool:
    """Whether metrics are collected in this process (``TELEMETRY_METRICS``)."""
    return _enabled


def set_enabled(value: bool) -> None:
    global _enabled
    _enabled = value


def registry() -> CollectorRegistry:
    """The process-wide registry (with prometheus-client's process and GC collectors)."""
    return REGISTRY


def render() -> bytes:
    """The registry in the Prometheus text exposition format."""
    return generate_latest(REGISTRY)


class BoundedLabel:
    """Keeps the first ``limit`` distinct values of a client-supplied label; later new values
    become ``overflow``. Empty values become ``empty``."""

    def __init__(self, limit: int = 100, *, empty: str = "none", overflow: str = "other") -> None:
        self._limit = limit
        self._empty = empty
        self._overflow = overflow
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str | None) -> str:
        if not value:
            return self._empty
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self._limit:
                return self._overflow
            self._seen.add(value)
        return value


M = TypeVar("M", Counter, Histogram)


class Children(Generic[M]):
    """``metric.labels(*values)``, looked up once per label set.

    prometheus-client's ``labels`` checks the metric, converts every value with ``str`` and
    takes the metric's lock on each call, then hands back the same child object as the time
    before: on the request path that is most of a metric update's cost. The children are kept
    here, for at most ``limit`` label sets (the label values are bounded anyway: fixed sets or
    :class:`BoundedLabel`); past it, ``labels`` is simply called each time."""

    __slots__ = ("_children", "_limit", "_metric")

    def __init__(self, metric: M, limit: int = 10_000) -> None:
        self._metric: M = metric
        self._limit = limit
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._metric.labels(*values)
            if len(self._children) < self._limit:
                self._children[values] = child
        return child


class HttpMetrics:
    """``http_server_requests_total`` and ``http_server_request_duration_seconds`` by method,
    route (the known paths, else ``other``) and status code."""

    def __init__(self, routes: frozenset[str]) -> None:
        self.routes = routes
        self.requests = Counter(
            "http_server_requests",
            "HTTP requests served, by method, route and status code.",
            ["method", "route", "status"],
        )
        self.duration = Histogram(
            "http_server_request_duration_seconds",
            "Time from the request's first byte to the end of the response.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
        )
        self._requests = Children(self.requests)
        self._duration = Children(self.duration)

    def route(self, path: str) -> str:
        return path if path in self.routes else "other"

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        route = self.route(path)
        method = method if method in ("GET", "POST", "HEAD", "OPTIONS") else "other"
        self._requests(method, route, str(status)).inc()
        self._duration(method, route).observe(seconds)


_http: HttpMetrics | None = None


def http_metrics() -> HttpMetrics:
    """The process's HTTP server metrics (created once)."""
    global _http
    if _http is None:
        _http = HttpMetrics(frozenset({"/graphql", "/health", "/ready", "/metrics"}))
    return _http
