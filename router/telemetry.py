"""The router's metrics and spans (issue #13), on servicekit's telemetry.

Hooks at the gateway's and the subgraph client's seams. Spans: the request is the HTTP
``SERVER`` span (``POST /graphql``, opened by servicekit's telemetry middleware) carrying the
operation name, Apollo client name and version, ``graphql.document.cache_hit`` and
``graphql.outcome`` (:class:`router.instrumented.InstrumentedExecutor`; a ``router.request``
span only where there is no server span to carry them), ``graphql.validate`` (on a document
cache miss), ``router.plan`` (``graphql.plan.cache_hit``), ``subgraph.fetch`` per subgraph
request (subgraph and operation name, W3C context injected into its headers, children of the
request's span) and ``router.shape``. No span wraps execution as
a whole: it would be the fetches' only parent, add nothing the issue asks for, and cost one
SDK span per request (about 3% of the request's instructions, ``bench telemetry``). Metrics: see :class:`RouterMetrics`; state that already lives in
the router (breakers, cache sizes, dedup counts) is read at scrape time by
:class:`router.instrumented.RouterCollector`, costing nothing per request. Every hook is a no-op while metrics and
tracing are off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from prometheus_client import Counter, Histogram

from servicekit.telemetry import metrics, tracing

__all__ = [
    "BREAKER_STATES",
    "LIMIT_CODES",
    "RouterMetrics",
    "cache_lookup",
    "operation_scope",
    "outbound_headers",
    "record_attempt",
    "router_metrics",
    "stage",
    "subgraph_fetch",
]

LIMIT_CODES = {
    "MAX_DEPTH_EXCEEDED": "depth",
    "MAX_ALIASES_EXCEEDED": "aliases",
    "MAX_ROOT_FIELDS_EXCEEDED": "root_fields",
    "COST_ESTIMATED_TOO_EXPENSIVE": "cost",
}
"""Limit refusals by kind (``router.limits``), read from the response's error codes."""

BREAKER_STATES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}


class RouterMetrics:
    """The router's own series (names: Prometheus conventions, labels bounded)."""

    def __init__(self) -> None:
        self.operation = metrics.BoundedLabel(200, empty="anonymous")
        self.client = metrics.BoundedLabel(50)
        self.requests = Counter(
            "router_requests",
            "GraphQL requests executed, by operation name, client name and outcome "
            "(success, partial, request_error, error).",
            ["operation", "client_name", "outcome"],
        )
        self.duration = Histogram(
            "router_request_duration_seconds",
            "Time to execute one GraphQL request (parse to shaped response).",
            ["operation"],
            buckets=metrics.LATENCY_BUCKETS,
        )
        self.fetch_duration = Histogram(
            "router_subgraph_request_duration_seconds",
            "Time for one subgraph fetch, retries included.",
            ["subgraph"],
            buckets=metrics.LATENCY_BUCKETS,
        )
        self.fetch_errors = Counter(
            "router_subgraph_errors",
            "Failed subgraph fetches by subgraph and error code.",
            ["subgraph", "code"],
        )
        self.fetch_timeouts = Counter(
            "router_subgraph_timeouts", "Subgraph fetches that timed out.", ["subgraph"]
        )
        self.fetch_retries = Counter(
            "router_subgraph_retries", "Subgraph request attempts after the first.", ["subgraph"]
        )
        self.cache = Counter(
            "router_cache_lookups",
            "Document and plan cache lookups by cache and result (hit, miss).",
            ["cache", "result"],
        )
        self.rate_limited = Counter(
            "router_rate_limit_rejections", "Requests refused by the rate limiter."
        )
        self.apq = Counter(
            "router_apq_requests",
            "Automatic persisted query lookups and registrations (hit, miss, register).",
            ["result"],
        )
        self.limit_rejections = Counter(
            "router_limit_rejections",
            "Operations refused by a limit, by kind (depth, aliases, root_fields, cost).",
            ["kind"],
        )
        self._fetch_durations: dict[str, Any] = {}

    def fetch_duration_of(self, subgraph: str) -> Any:
        """``fetch_duration``'s child for ``subgraph``, looked up once (``labels()`` takes a
        lock and builds a key on every call: half the cost of an observation)."""
        child = self._fetch_durations.get(subgraph)
        if child is None:
            child = self._fetch_durations[subgraph] = self.fetch_duration.labels(subgraph)
        return child


_metrics: RouterMetrics | None = None


def router_metrics() -> RouterMetrics | None:
    """The router's metrics, or ``None`` while metrics are off."""
    global _metrics
    if not metrics.enabled():
        return None
    if _metrics is None:
        _metrics = RouterMetrics()
    return _metrics


_operation: ContextVar[str | None] = ContextVar("router_operation", default=None)


@contextmanager
def operation_scope(name: str | None) -> Iterator[None]:
    """The client operation's name for the subgraph fetch spans started inside."""
    token = _operation.set(name)
    try:
        yield
    finally:
        _operation.reset(token)


def stage(name: str, **attributes: Any) -> AbstractContextManager[Span]:
    """A span for one stage of the request (validate, plan, execute, shape)."""
    return tracing.span(name, attributes)


def cache_lookup(cache: str, hit: bool) -> None:
    """Count a document or plan cache lookup; the current span (``router.plan``) gets
    ``graphql.<cache>.cache_hit``."""
    found = router_metrics()
    if found is not None:
        found.cache.labels(cache, "hit" if hit else "miss").inc()
    if tracing.enabled():
        trace.get_current_span().set_attribute(f"graphql.{cache}.cache_hit", hit)


@dataclass(slots=True)
class _Fetch:
    subgraph: str
    attempts: int = 0


_fetch: ContextVar[_Fetch | None] = ContextVar("router_subgraph_fetch", default=None)


def subgraph_fetch(
    subgraph: str,
) -> AbstractContextManager[Callable[[Mapping[str, Any] | None], None]]:
    """Around one subgraph fetch; yields ``done(failure)`` to record the outcome. While metrics
    and tracing are off: one shared null context, no generator per fetch."""
    found = router_metrics()
    if not tracing.enabled():
        return _UNRECORDED if found is None else _MeasuredFetch(subgraph, found)
    return _recorded_fetch(subgraph, found)


def _error_code(failure: Mapping[str, Any] | None) -> object:
    return (failure or {}).get("extensions", {}).get("code") if failure else None


def _observe(
    found: RouterMetrics, subgraph: str, started: float, attempts: int, code: object
) -> None:
    found.fetch_duration_of(subgraph).observe(time.perf_counter() - started)
    if attempts > 1:
        found.fetch_retries.labels(subgraph).inc(attempts - 1)
    if code is not None:
        found.fetch_errors.labels(subgraph, str(code)).inc()
        if code == "GATEWAY_TIMEOUT":
            found.fetch_timeouts.labels(subgraph).inc()


class _MeasuredFetch:
    """Metrics without tracing (the default): a plain context manager, no generator, no span
    attributes built per fetch."""

    __slots__ = ("_found", "_record", "_started", "_token")

    def __init__(self, subgraph: str, found: RouterMetrics) -> None:
        self._found = found
        self._record = _Fetch(subgraph)
        self._started = 0.0
        self._token: Any = None

    def __enter__(self) -> Callable[[Mapping[str, Any] | None], None]:
        self._token = _fetch.set(self._record)
        self._started = time.perf_counter()
        return self.done

    def done(self, failure: Mapping[str, Any] | None) -> None:
        record = self._record
        _observe(self._found, record.subgraph, self._started, record.attempts, _error_code(failure))

    def __exit__(self, *_: object) -> None:
        _fetch.reset(self._token)


@contextmanager
def _recorded_fetch(
    subgraph: str, found: RouterMetrics | None
) -> Iterator[Callable[[Mapping[str, Any] | None], None]]:
    record = _Fetch(subgraph)
    token = _fetch.set(record)
    started = time.perf_counter()
    with tracing.span(
        "subgraph.fetch",
        {"subgraph.name": subgraph, "graphql.operation.name": _operation.get()},
        kind=SpanKind.CLIENT,
    ) as span:

        def done(failure: Mapping[str, Any] | None) -> None:
            code = _error_code(failure)
            if code is not None:
                span.set_status(Status(StatusCode.ERROR, str(code)))
                span.set_attribute("subgraph.error_code", str(code))
            if found is not None:
                _observe(found, subgraph, started, record.attempts, code)

        try:
            yield done
        finally:
            _fetch.reset(token)


def _ignore(_: Mapping[str, Any] | None) -> None:
    return None


_UNRECORDED: AbstractContextManager[Callable[[Mapping[str, Any] | None], None]] = nullcontext(
    _ignore
)


def record_attempt() -> None:
    """One HTTP attempt of the current fetch (the second and later ones are retries)."""
    record = _fetch.get()
    if record is not None:
        record.attempts += 1


def outbound_headers(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus ``traceparent``/``tracestate`` when tracing (a copy: the caller's dict
    is the deduplication key)."""
    if not tracing.enabled():
        return headers
    carrier = dict(headers)
    tracing.inject(carrier)
    return carrier
