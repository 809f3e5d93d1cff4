"""The server span every service opens in its telemetry middleware, and the tracing hooks' cheap
paths (``servicekit/telemetry``).

A child process (tracing is process-global) configures tracing against the tests' OTLP receiver
and serves three requests through :class:`TelemetryMiddleware`: one continuing a sampled W3C
``traceparent``, one an unsampled one, one failing with a 500 and no caller context. Expected
values are the W3C Trace Context rules (a server span is the child of the caller's span, same
trace id; an unsampled caller's trace is not recorded but still propagated with flags ``00``) and
OpenTelemetry's stable HTTP server conventions (span name, attributes, ERROR status on 5xx).
"""

from __future__ import annotations

import json
import textwrap

from opentelemetry.trace import INVALID_SPAN

from router import telemetry
from servicekit.telemetry import metrics, tracing
from tests.observability.conftest import python_child
from tests.observability.receiver import OtlpReceiver

SERVER, INTERNAL = 2, 1  # OTLP Span.SpanKind values
ERROR = 2  # OTLP Status.StatusCode
SAMPLED_TRACE, SAMPLED_PARENT = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
UNSAMPLED_TRACE, UNSAMPLED_PARENT = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"

_SCRIPT = textwrap.dedent(
    """
    import asyncio, json
    import httpx
    from opentelemetry import trace
    from opentelemetry.trace import INVALID_SPAN
    from servicekit.telemetry import tracing
    from servicekit.telemetry.middleware import TelemetryMiddleware

    assert tracing.configure_tracing("svc", "1.0")
    seen = {}

    async def app(scope, receive, send):
        status = 500 if scope["path"] == "/boom" else 200
        outside = tracing.propagation_headers()
        with tracing.span("inner", {"k": "v", "dropped": None}) as inner:
            propagated = tracing.propagation_headers()
            seen[scope["path"] + str(len(seen))] = {
                "inner_is_null": inner is INVALID_SPAN,
                "outbound": dict(tracing.inject({})),
                "propagated": dict(propagated),
                "reused": tracing.propagation_headers() is propagated,
                "own_context": propagated is not outside,
            }
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def main():
        wrapped = TelemetryMiddleware(app, serve_metrics=False, access_log=False)
        transport = httpx.ASGITransport(app=wrapped)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for traceparent in (SAMPLED, UNSAMPLED):
                await client.post("/graphql", headers={"traceparent": traceparent})
            await client.get("/boom")
            await client.get("/health")

    asyncio.run(main())
    trace.get_tracer_provider().force_flush()
    print(json.dumps(seen))
    """
)


def _run_child(receiver: OtlpReceiver) -> dict[str, dict[str, object]]:
    script = (
        f"SAMPLED = '00-{SAMPLED_TRACE}-{SAMPLED_PARENT}-01'\n"
        f"UNSAMPLED = '00-{UNSAMPLED_TRACE}-{UNSAMPLED_PARENT}-00'\n" + _SCRIPT
    )
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    }
    stdout = python_child(script, env).split("\0")[0]
    seen: dict[str, dict[str, object]] = json.loads(stdout.splitlines()[-1])
    return seen


def test_server_span_continues_the_callers_trace_and_follows_http_conventions() -> None:
    with OtlpReceiver() as receiver:
        seen = _run_child(receiver)
        spans = receiver.wait_for(lambda found: len(found) >= 4)
    by_name = {(s.name, s.trace_id == SAMPLED_TRACE): s for s in spans}
    server = by_name[("POST /graphql", True)]
    inner = by_name[("inner", True)]
    failed = by_name[("GET", False)]
    failed_inner = by_name[("inner", False)]
    assert len(spans) == 4, spans  # nothing for the unsampled request nor for /health
    assert (server.parent_id, server.kind, server.status) == (SAMPLED_PARENT, SERVER, 0)
    assert server.attributes == {
        "http.request.method": "POST",
        "url.path": "/graphql",
        "url.scheme": "http",
        "http.route": "/graphql",
        "network.protocol.version": "1.1",
        "http.response.status_code": 200,
    }
    assert (inner.trace_id, inner.parent_id, inner.kind) == (
        SAMPLED_TRACE,
        server.span_id,
        INTERNAL,
    )
    assert inner.attributes == {"k": "v"}
    assert (failed.parent_id, failed.kind, failed.status) == (None, SERVER, ERROR)
    assert failed.attributes == {
        "http.request.method": "GET",
        "url.path": "/boom",
        "url.scheme": "http",
        "network.protocol.version": "1.1",
        "http.response.status_code": 500,
    }
    assert (failed_inner.trace_id, failed_inner.parent_id) == (failed.trace_id, failed.span_id)

    sampled, unsampled, boom = seen["/graphql0"], seen["/graphql1"], seen["/boom2"]
    assert sampled == {
        "inner_is_null": False,
        "outbound": {"traceparent": f"00-{SAMPLED_TRACE}-{inner.span_id}-01"},
        "propagated": {"traceparent": f"00-{SAMPLED_TRACE}-{inner.span_id}-01"},
        "reused": True,  # the same context: the injection made for it
        "own_context": True,  # a recorded span inside: its own context and headers
    }
    # a trace this process starts: sampled (01) and, per W3C Trace Context Level 2, "random
    # trace id" (02); a continued trace keeps the caller's flags
    assert boom == {
        "inner_is_null": False,
        "outbound": {"traceparent": f"00-{failed.trace_id}-{failed_inner.span_id}-03"},
        "propagated": {"traceparent": f"00-{failed.trace_id}-{failed_inner.span_id}-03"},
        "reused": True,
        "own_context": True,
    }
    # the unsampled caller: no span object is made inside, yet its trace id and "not sampled"
    # flag go on downstream, from the (non-recording) server span the middleware made current
    assert unsampled["inner_is_null"] is True
    version, trace_id, parent, flags = str(unsampled["outbound"]["traceparent"]).split("-")  # type: ignore[index]
    assert (version, trace_id, flags) == ("00", UNSAMPLED_TRACE, "00")
    assert parent not in (UNSAMPLED_PARENT, "0" * 16)
    # no span inside an unsampled trace, so the context stays the same: one injection shared
    # by every outbound request (the router's subgraph fetches)
    assert unsampled["propagated"] == unsampled["outbound"]
    assert unsampled["reused"] is True and unsampled["own_context"] is False


def test_hooks_share_one_null_context_while_off() -> None:
    """Off means no per-call objects: the same null context every time (what a no-op tracer's
    callers would at least pay for is a span object per call)."""
    assert not tracing.enabled() and not metrics.enabled()
    assert tracing.span("a") is tracing.span("b", {"x": 1})
    with tracing.span("a") as span:
        assert span is INVALID_SPAN
    assert telemetry.subgraph_fetch("products") is telemetry.subgraph_fetch("reviews")
    with telemetry.subgraph_fetch("products") as done:
        assert done(None) is None
