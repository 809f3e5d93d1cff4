"""OpenTelemetry tracing: one provider per process, exported over OTLP, or nothing at all.

When :func:`~servicekit.telemetry.settings.traces_configured` is false nothing is installed and
:func:`span` hands back one shared null context (yielding the API's ``INVALID_SPAN``) without
asking any tracer: the hot path pays one boolean test. W3C Trace Context (``traceparent``,
``tracestate``) is the API's default propagator; :func:`server_span` continues the caller's
trace, :func:`inject` writes it into outbound headers.

Why the spans are started here rather than with ``Tracer.start_as_current_span``: that helper
nests three generator-based context managers per span (the tracer's, ``use_span``'s, ours), and
the router makes ~16 spans per request. :class:`_Current` does what ``use_span`` does (attach,
record the exception and the ERROR status, detach, end) with the API's public functions in one
object, and the current context is read once per span and handed to the SDK (whose
``start_span`` and parent-based sampler would each read it again). And under sampling (``OTEL_TRACES_SAMPLER=parentbased_traceidratio``), a child of an
unsampled span is not even created: every standard sampler (``parentbased_*`` follow the parent;
``traceidratio`` decides on the trace id, which the child shares) would drop it, so the SDK's
sampler call, span context and id generation are skipped. A span under which no other is
opened (a subgraph fetch) need not be current at all: :func:`start_leaf` starts it without the
context attach and detach, and :func:`propagation_headers_of` injects its context. Measured in
``bench telemetry``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
from collections.abc import Mapping, MutableMapping
from types import TracebackType
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import (
    INVALID_SPAN,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from servicekit.telemetry.context import current_request
from servicekit.telemetry.settings import trace_protocol, traces_configured

__all__ = [
    "configure_tracing",
    "enabled",
    "end",
    "inject",
    "instrument_engine",
    "propagation_headers",
    "propagation_headers_of",
    "server_span",
    "span",
    "start_leaf",
    "tracer",
    "untraced",
]

_enabled = False
_tracer: trace.Tracer = trace.get_tracer("servicekit")
"""The API's proxy until :func:`configure_tracing` swaps in the SDK's tracer (no proxy hop)."""

_NULL: contextlib.nullcontext[Span] = contextlib.nullcontext(INVALID_SPAN)
"""Reusable: ``nullcontext`` keeps no state between uses."""


def enabled() -> bool:
    """Whether spans are recorded and exported in this process."""
    return _enabled


def _exporter() -> SpanExporter:
    if trace_protocol() == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter()


class _Resource(Resource):
    """The SDK's :class:`Resource` with its hash computed once. The OTLP encoder groups every
    exported span by resource (a dict keyed by it), and ``Resource.__hash__`` serialises the
    attributes to sorted JSON on each call: about a tenth of encoding a span, for a value that
    cannot change (a Resource is immutable: its attributes are a read-only mapping).
    Equality is the SDK's."""

    def __init__(self, attributes: Mapping[str, Any], schema_url: str | None = None) -> None:
        super().__init__(dict(attributes), schema_url)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other)


_BATCH_SIZES = (8192, 2048)
"""Ours unless ``OTEL_BSP_MAX_QUEUE_SIZE`` or ``OTEL_BSP_MAX_EXPORT_BATCH_SIZE`` is set (the
SDK's are 2048 and 512). Each export costs the router about 1 ms of CPU besides encoding its
spans (one HTTP request): at ~15 spans a request a 512-span batch goes out every ~35 requests,
and 2048-span batches amortise that four times better. The queue holds four batches, so a
burst between two exports is not dropped."""


def _batch_sizes(environ: Mapping[str, str] | None = None) -> tuple[int | None, int | None]:
    """``BatchSpanProcessor``'s queue and batch sizes: ours, or ``None`` (the SDK's, read from
    the environment) when either is set there (the two must agree: a batch no larger than the
    queue)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_BSP_MAX_QUEUE_SIZE") or env.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"):
        return None, None
    return _BATCH_SIZES


def configure_tracing(service: str, version: str, exporter: SpanExporter | None = None) -> bool:
    """Install the SDK's provider with a batch OTLP exporter when an endpoint is configured
    (sampler and batch settings from the SDK's ``OTEL_TRACES_SAMPLER*`` and ``OTEL_BSP_*``,
    larger batches by default: :data:`_BATCH_SIZES`); ``exporter`` replaces the OTLP one (the
    hooks' benchmark encodes without sending). Instruments the Redis and httpx clients.
    Returns whether tracing is on."""
    global _enabled, _tracer
    if _enabled or not traces_configured():
        return _enabled
    created = Resource.create({"service.name": service, "service.version": version})
    resource = _Resource(created.attributes, created.schema_url)
    provider = TracerProvider(resource=resource)
    queue, batch = _batch_sizes()
    processor = BatchSpanProcessor(
        exporter or _exporter(), max_queue_size=queue, max_export_batch_size=batch
    )
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # flush what the batch processor still holds
    _tracer = provider.get_tracer("servicekit", version)
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _enabled = True
    return True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


class _Current:
    """``span`` made current for a ``with`` block and ended after it (``use_span`` semantics:
    an ``Exception`` leaving the block is recorded and sets the ERROR status)."""

    __slots__ = ("_context", "_span", "_token")

    def __init__(self, span: Span, parent: context.Context | None = None) -> None:
        self._span = span
        self._context = parent
        self._token: object = None

    def __enter__(self) -> Span:
        self._token = context.attach(trace.set_span_in_context(self._span, self._context))
        return self._span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        context.detach(self._token)  # type: ignore[arg-type]
        end(self._span, error)


def end(span: Span, error: BaseException | None = None) -> None:
    """End ``span``; an ``Exception`` that left its work is recorded with the ERROR status
    (``use_span``'s semantics)."""
    if isinstance(error, Exception):
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    span.end()


def _present(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not attributes:
        return None
    return {k: v for k, v in attributes.items() if v is not None}


def span(
    name: str, attributes: Mapping[str, Any] | None = None, *, kind: SpanKind = SpanKind.INTERNAL
) -> contextlib.AbstractContextManager[Span]:
    """A child span of the current one, made current for the ``with`` block; the shared
    non-recording span when tracing is off or the current trace is not sampled. Attributes
    whose value is ``None`` are left out."""
    if not _enabled:
        return _NULL
    started = _start_child(name, _present(attributes), kind)
    return _NULL if started is None else _Current(*started)


def _start_child(
    name: str, attributes: Mapping[str, Any] | None, kind: SpanKind
) -> tuple[Span, context.Context] | None:
    """A started child of the current span, and the context it was read from; ``None`` in an
    unsampled trace (its context stays current, so it still propagates). Tracing is on."""
    current = context.get_current()  # read once, handed to the SDK (its sampler reads it too)
    parent = trace.get_current_span(current)
    if not parent.is_recording() and parent.get_span_context().is_valid:
        return None
    return _tracer.start_span(name, current, kind=kind, attributes=attributes), current


def start_leaf(
    name: str, attributes: Mapping[str, Any], *, kind: SpanKind = SpanKind.INTERNAL
) -> Span:
    """A child span of the current one, started but not made current (the caller ends it with
    :func:`end`), for work that opens no span of its own inside: a subgraph fetch, whose
    context only goes out in the request's headers (:func:`propagation_headers_of`). Saves
    the context attach and detach, and the propagation lookup of the current context; the
    shared ``INVALID_SPAN`` when tracing is off or the trace is not sampled. ``attributes``
    must hold no ``None`` values."""
    if not _enabled:
        return INVALID_SPAN
    started = _start_child(name, attributes, kind)
    return INVALID_SPAN if started is None else started[0]


def propagation_headers_of(span: Span) -> Mapping[str, str]:
    """:func:`propagation_headers` with ``span`` as the parent (a recording span from
    :func:`start_leaf`), the current context's otherwise (an unsampled trace's, shared)."""
    if not span.is_recording():
        return propagation_headers()
    carrier: dict[str, str] = {}
    propagate.inject(carrier, trace.set_span_in_context(span))
    return carrier


def server_span(
    name: str, carrier: Mapping[str, str], attributes: Mapping[str, Any]
) -> contextlib.AbstractContextManager[Span]:
    """A ``SERVER`` span continuing the trace whose W3C headers are in ``carrier`` (the
    configured propagators read it), made current; the sampler decides here."""
    if not _enabled:
        return _NULL
    parent = propagate.extract(carrier)
    started = _tracer.start_span(
        name, parent, kind=SpanKind.SERVER, attributes=_present(attributes)
    )
    return _Current(started, parent)


class _Unsampled:
    """A not-sampled span context made current: under the standard samplers nothing inside is
    recorded, not even root spans (an invalid parent would start new traces instead)."""

    __slots__ = ("_token",)

    def __init__(self) -> None:
        self._token: object = None

    def __enter__(self) -> Span:
        unsampled = NonRecordingSpan(
            SpanContext(
                random.getrandbits(128) or 1,
                random.getrandbits(64) or 1,
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.DEFAULT),
            )
        )
        self._token = context.attach(trace.set_span_in_context(unsampled))
        return unsampled

    def __exit__(self, *_: object) -> None:
        context.detach(self._token)  # type: ignore[arg-type]


def untraced() -> contextlib.AbstractContextManager[Span]:
    """For probes and scrapes: what runs inside (a readiness check's Redis call) makes no
    spans; a no-op while tracing is off."""
    return _Unsampled() if _enabled else _NULL


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write ``traceparent``/``tracestate`` for the current span into ``headers`` (a copy is
    the caller's business); unchanged when tracing is off."""
    if _enabled:
        propagate.inject(headers)
    return headers


def propagation_headers() -> Mapping[str, str]:
    """The configured propagators' headers (``traceparent``, ``tracestate``, ``baggage``) for
    the current context; empty while tracing is off. Not to be modified: within an HTTP request
    the last ones are kept with the context they were made from and handed out again while that
    context is current. The subgraph fetches of an unsampled request (no child span is made, so
    its context stays the same) share one injection instead of one per fetch; a sampled fetch
    has a span, a context and headers of its own."""
    if not _enabled:
        return {}
    current = context.get_current()
    info = current_request()
    if info is not None and info.propagated is not None and info.propagated[0] is current:
        return info.propagated[1]
    carrier: dict[str, str] = {}
    propagate.inject(carrier, current)
    if info is not None:
        info.propagated = (current, carrier)  # holds the context: an identity test stays sound
    return carrier


def instrument_engine(engine: Any) -> None:
    """Spans for every SQL statement of a SQLAlchemy (async) engine, when tracing is on."""
    if not _enabled:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    sync_engine = getattr(engine, "sync_engine", engine)
    # the instrumentation declares sqlalchemy < 2.1; its engine events are unchanged in 2.1
    # (statement spans checked by tests/observability/test_traces_e2e.py), so skip the check
    SQLAlchemyInstrumentor().instrument(
        engine=sync_engine, enable_commenter=False, skip_dep_check=True
    )
