"""OpenTelemetry tracing: one provider per process, exported over OTLP, or nothing at all.

When :func:`~servicekit.telemetry.settings.traces_configured` is false nothing is installed: the
API's default (proxy) tracer hands out non-recording spans, and :func:`span` does not even ask it
(a shared null context), so the hot path pays one boolean test. W3C Trace Context (``traceparent``,
``tracestate``) is the API's default propagator; :func:`inject` writes it into outbound headers.
"""

from __future__ import annotations

import atexit
import contextlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind

from servicekit.telemetry.settings import trace_protocol, traces_configured

__all__ = ["configure_tracing", "enabled", "inject", "instrument_engine", "span", "tracer"]

_enabled = False


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


def configure_tracing(service: str, version: str) -> bool:
    """Install the SDK's provider with a batch OTLP exporter when an endpoint is configured;
    instrument the Redis and httpx clients. Returns whether tracing is on."""
    global _enabled
    if _enabled or not traces_configured():
        return _enabled
    resource = Resource.create({"service.name": service, "service.version": version})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # flush what the batch processor still holds
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _enabled = True
    return True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


_tracer = trace.get_tracer("servicekit")


@contextlib.contextmanager
def _recording(name: str, kind: SpanKind, attributes: dict[str, Any]) -> Iterator[Span]:
    with _tracer.start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


@contextlib.contextmanager
def _null() -> Iterator[Span]:
    yield INVALID_SPAN


def span(
    name: str, attributes: Mapping[str, Any] | None = None, *, kind: SpanKind = SpanKind.INTERNAL
) -> contextlib.AbstractContextManager[Span]:
    """A child span of the current one; a non-recording span when tracing is off. Attributes
    whose value is ``None`` are left out."""
    if not _enabled:
        return _null()
    present = {k: v for k, v in (attributes or {}).items() if v is not None}
    return _recording(name, kind, present)


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write ``traceparent``/``tracestate`` for the current span into ``headers`` (a copy is
    the caller's business); unchanged when tracing is off."""
    if _enabled:
        propagate.inject(headers)
    return headers


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
