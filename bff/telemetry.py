"""The BFFs' metrics and spans (issue #13), on servicekit's telemetry.

A *screen* is one GraphQL operation a client sends to the BFF. :class:`ScreenTelemetry` (a
Strawberry schema extension) counts screens by operation name, opens the ``bff.screen`` span and
observes how many router requests the screen cost; the dataloader step batcher opens a
``bff.dataloader.batch`` span per batch and counts cache hits and misses; the router client opens
``bff.router_call`` and sends W3C trace context (Apollo's client-awareness headers naming the BFF
are the router client's own, :mod:`bff.router_client`). Hooks are no-ops while metrics and tracing are off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass

from opentelemetry.trace import Span, SpanKind
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

from servicekit.telemetry import metrics, tracing
from servicekit.telemetry.context import set_operation_name

__all__ = [
    "BffMetrics",
    "ScreenTelemetry",
    "batch_span",
    "cache_lookups",
    "router_call",
    "router_call_headers",
]


class BffMetrics:
    def __init__(self) -> None:
        self.screen = metrics.BoundedLabel(100, empty="anonymous")
        self.screens = Counter(
            "bff_screens", "GraphQL operations (screens) served, by operation name.", ["screen"]
        )
        self.cache = Counter(
            "bff_cache_lookups",
            "Entity cache lookups of the dataloader batches, by result (hit, miss).",
            ["result"],
        )
        self.router_calls = Histogram(
            "bff_router_requests_per_screen",
            "Router requests one screen cost (0 when the cache served it all).",
            ["screen"],
            buckets=(0, 1, 2, 3, 4, 5, 8, 13),
        )
        self.router_requests = Counter(
            "bff_router_requests", "GraphQL requests sent to the router.", ["operation"]
        )


_metrics: BffMetrics | None = None


def bff_metrics() -> BffMetrics | None:
    global _metrics
    if not metrics.enabled():
        return None
    if _metrics is None:
        _metrics = BffMetrics()
    return _metrics


@dataclass(slots=True)
class _Screen:
    router_calls: int = 0


_screen: ContextVar[_Screen | None] = ContextVar("bff_screen", default=None)


class ScreenTelemetry(SchemaExtension):
    """Per operation: the ``bff.screen`` span and the screen metrics."""

    def on_execute(self) -> Iterator[None]:
        found = bff_metrics()
        if found is None and not tracing.enabled():
            yield
            return
        name = self.execution_context.operation_name
        set_operation_name(name)
        screen = _Screen()
        token = _screen.set(screen)
        try:
            with tracing.span("bff.screen", {"graphql.operation.name": name}):
                yield
        finally:
            _screen.reset(token)
        if found is not None:
            label = found.screen(name)
            found.screens.labels(label).inc()
            found.router_calls.labels(label).observe(screen.router_calls)


def batch_span(jobs: int) -> AbstractContextManager[Span]:
    """One dataloader step batch (several loaders' keys, one cache read, one router request)."""
    return tracing.span("bff.dataloader.batch", {"bff.batch.loads": jobs})


def cache_lookups(hits: int, misses: int) -> None:
    found = bff_metrics()
    if found is not None:
        found.cache.labels("hit").inc(hits)
        found.cache.labels("miss").inc(misses)
    if tracing.enabled():
        from opentelemetry import trace

        current = trace.get_current_span()
        current.set_attribute("bff.cache.hits", hits)
        current.set_attribute("bff.cache.misses", misses)


def router_call(operation_name: str | None) -> AbstractContextManager[Span]:
    """Around one router request: counts it for the screen and opens ``bff.router_call``."""
    screen = _screen.get()
    if screen is not None:
        screen.router_calls += 1
    found = bff_metrics()
    if found is not None:
        found.router_requests.labels(operation_name or "anonymous").inc()
    return tracing.span(
        "bff.router_call", {"graphql.operation.name": operation_name}, kind=SpanKind.CLIENT
    )


def router_call_headers(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus, when tracing, ``traceparent``."""
    tracing.inject(headers)
    return headers
