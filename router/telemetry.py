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
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode
from prometheus_client import Counter, Histogram

from servicekit.telemetry import metrics, tracing

__all__ = [
    "BREAKER_STATES",
    "LIMIT_CODES",
    "FetchFailures",
    "RouterMetrics",
    "cache_lookup",
    "operation_scope",
    "outbound_headers",
    "router_metrics",
    "stage",
    "subgraph_fetch",
    "timed_request",
]

T = TypeVar("T")

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
            "Time for one request to a subgraph, retries included (fetches sharing an "
            "in-flight request observe it once).",
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
        # the children per label set, looked up once (metrics.Children: labels() is most of
        # an update's cost); the label values are bounded (BoundedLabel, fixed sets, subgraphs)
        self.requests_by = metrics.Children(self.requests)
        self.duration_by = metrics.Children(self.duration)
        self.fetch_duration_by = metrics.Children(self.fetch_duration)
        self.fetch_errors_by = metrics.Children(self.fetch_errors)
        self.fetch_timeouts_by = metrics.Children(self.fetch_timeouts)
        self.cache_by = metrics.Children(self.cache)
        self.apq_by = metrics.Children(self.apq)
        self.limit_rejections_by = metrics.Children(self.limit_rejections)
        self._fetch_failures: dict[str, FetchFailures] = {}

    def fetch_failures(self, subgraph: str) -> FetchFailures:
        """The subgraph's :class:`FetchFailures` (subgraph names are the supergraph's: bounded)."""
        found = self._fetch_failures.get(subgraph)
        if found is None:
            found = self._fetch_failures[subgraph] = FetchFailures(subgraph, self)
        return found


_metrics: RouterMetrics | None = None


def router_metrics() -> RouterMetrics | None:
    """The router's metrics, or ``None`` while metrics are off."""
    global _metrics
    if not metrics.enabled():
        return None
    if _metrics is None:
        _metrics = RouterMetrics()
    return _metrics


_operation: ContextVar[tuple[str | None, bool] | None] = ContextVar(
    "router_operation", default=None
)
"""The client operation's name and whether its trace records, for the fetches inside."""


class operation_scope:
    """The client operation's name for the subgraph fetch spans started inside, and whether its
    span records: the fetches of an unsampled request skip the tracing hooks at once (a class,
    not a generator-based context manager: it runs once per traced request)."""

    __slots__ = ("_scope", "_token")

    def __init__(self, name: str | None, recording: bool = True) -> None:
        self._scope = (name, recording)
        self._token: Token[tuple[str | None, bool] | None] | None = None

    def __enter__(self) -> None:
        self._token = _operation.set(self._scope)

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _operation.reset(self._token)


def stage(name: str, **attributes: Any) -> AbstractContextManager[Span]:
    """A span for one stage of the request (validate, plan, execute, shape)."""
    return tracing.span(name, attributes)


_CACHE_HIT = {"document": "graphql.document.cache_hit", "plan": "graphql.plan.cache_hit"}
_RESULT = {True: "hit", False: "miss"}


def cache_lookup(cache: str, hit: bool) -> None:
    """Count a document or plan cache lookup; the current span (``router.plan``) gets
    ``graphql.<cache>.cache_hit``."""
    found = router_metrics()
    if found is not None:
        found.cache_by(cache, _RESULT[hit]).inc()
    if tracing.enabled() and (_operation.get() or (None, True))[1]:  # not when unsampled
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute(_CACHE_HIT.get(cache) or f"graphql.{cache}.cache_hit", hit)


_FETCH_ATTRIBUTES_LIMIT = 1000
_fetch_attributes: dict[tuple[str, str | None], dict[str, str]] = {}
"""The fetch span's attributes per (subgraph, operation name), built once; bounded, as the
operation names come from clients."""


def _attributes_of(subgraph: str, operation: str | None) -> dict[str, str]:
    key = (subgraph, operation)
    found = _fetch_attributes.get(key)
    if found is None:
        found = {"subgraph.name": subgraph}
        if operation is not None:
            found["graphql.operation.name"] = operation
        if len(_fetch_attributes) < _FETCH_ATTRIBUTES_LIMIT:
            _fetch_attributes[key] = found
    return found


def subgraph_fetch(
    subgraph: str,
) -> AbstractContextManager[Callable[[Mapping[str, Any] | None], None]]:
    """Around one client operation's fetch from a subgraph; yields ``done(failure)`` to record
    its outcome (failures by code, the span's status). While tracing is off: a shared context
    per subgraph (a null one while metrics are off too), no object per fetch. The fetch's time
    is observed where the request is sent (:func:`timed_request`), once per request a subgraph
    receives; retries are counted by the subgraph's guard (``router.resilience.guard``), read
    at scrape time."""
    found = router_metrics()
    if not tracing.enabled():
        return _UNRECORDED if found is None else found.fetch_failures(subgraph)
    return _RecordedFetch(subgraph, found)


class FetchFailures:
    """One subgraph's failed fetches by error code (``GATEWAY_TIMEOUT`` also as a timeout):
    the context :func:`subgraph_fetch` gives while metrics alone are on. Stateless, so one per
    subgraph serves every fetch."""

    __slots__ = ("_done", "_found", "subgraph")

    def __init__(self, subgraph: str, found: RouterMetrics) -> None:
        self.subgraph = subgraph
        self._found = found
        self._done = self.done  # one bound method, handed to every fetch

    def __enter__(self) -> Callable[[Mapping[str, Any] | None], None]:
        return self._done

    def done(self, failure: Mapping[str, Any] | None) -> None:
        if failure:
            self.count(failure.get("extensions", {}).get("code"))

    def count(self, code: object) -> None:
        if code is not None:
            self._found.fetch_errors_by(self.subgraph, str(code)).inc()
            if code == "GATEWAY_TIMEOUT":
                self._found.fetch_timeouts_by(self.subgraph).inc()

    def __exit__(self, *_: object) -> None:
        return None


async def _timed(request: Awaitable[T], duration: Histogram) -> T:
    started = time.perf_counter()
    try:
        answer = await request
    except Exception:  # a failed request took its time too (not a cancelled one)
        duration.observe(time.perf_counter() - started)
        raise
    duration.observe(time.perf_counter() - started)
    return answer


def timed_request(subgraph: str, request: Awaitable[T]) -> Awaitable[T]:
    """``request`` (one request to ``subgraph``, retries included) timed into
    ``router_subgraph_request_duration_seconds`` when metrics are on. Called where the request
    is sent, inside outbound deduplication, so identical fetches sharing one request observe it
    once (they are counted by ``router_subgraph_dedup_hits_total``): the histogram is the
    subgraph's latency as the subgraph saw the router's traffic."""
    found = router_metrics()
    if found is None:
        return request
    return _timed(request, found.fetch_duration_by(subgraph))


class _RecordedFetch:
    """One fetch's ``subgraph.fetch`` span, and its failures when metrics are on. The span is
    not made current (nothing inside opens a span: the subgraph transport is the router's own
    HTTP/1 client): :func:`outbound_headers` finds it through ``_fetch`` and injects its context,
    which saves a context attach and detach per fetch."""

    __slots__ = ("_failures", "_token", "span", "subgraph")

    def __init__(self, subgraph: str, found: RouterMetrics | None) -> None:
        self.subgraph = subgraph
        self._failures = found.fetch_failures(subgraph) if found is not None else None
        self.span: Span = INVALID_SPAN
        self._token: Token[_RecordedFetch | None] | None = None

    def __enter__(self) -> Callable[[Mapping[str, Any] | None], None]:
        self._token = _fetch.set(self)
        name, recording = _operation.get() or (None, True)
        if recording:
            attributes = _attributes_of(self.subgraph, name)
            self.span = tracing.start_leaf("subgraph.fetch", attributes, kind=SpanKind.CLIENT)
        return self.done

    def done(self, failure: Mapping[str, Any] | None) -> None:
        code = failure.get("extensions", {}).get("code") if failure else None
        if code is not None and self.span.is_recording():
            self.span.set_status(Status(StatusCode.ERROR, str(code)))
            self.span.set_attribute("subgraph.error_code", str(code))
        if self._failures is not None:
            self._failures.count(code)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.span.is_recording():
                tracing.end(self.span, error)
        finally:
            if self._token is not None:
                _fetch.reset(self._token)


_fetch: ContextVar[_RecordedFetch | None] = ContextVar("router_subgraph_fetch", default=None)


def _ignore(_: Mapping[str, Any] | None) -> None:
    return None


_UNRECORDED: AbstractContextManager[Callable[[Mapping[str, Any] | None], None]] = nullcontext(
    _ignore
)


def outbound_headers(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus ``traceparent``/``tracestate`` when tracing (a copy: the caller's dict
    is the deduplication key)."""
    if not tracing.enabled():
        return headers
    record = _fetch.get()
    if record is not None and record.span.is_recording():
        propagated = tracing.propagation_headers_of(record.span)
    else:
        propagated = tracing.propagation_headers()  # an unsampled request's, shared
    return {**headers, **propagated} if propagated else headers
