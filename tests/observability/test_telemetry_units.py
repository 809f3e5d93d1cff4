"""servicekit.telemetry in process: the tracing switch, ``/metrics``, the access log line and its
switch, bounded labels, and JSON log lines with trace ids (in a child process, which may
configure logging and tracing globally)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import httpx
import pytest
from opentelemetry.trace import INVALID_SPAN
from structlog.testing import capture_logs

from servicekit.telemetry import metrics, tracing
from servicekit.telemetry.context import set_operation_name
from servicekit.telemetry.middleware import TelemetryMiddleware
from servicekit.telemetry.settings import trace_protocol, traces_configured
from tests.observability.conftest import python_child


@pytest.mark.parametrize(
    ("environ", "configured"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_traces_are_on_only_with_an_endpoint(environ: dict[str, str], configured: bool) -> None:
    assert traces_configured(environ) is configured


def test_trace_protocol_defaults_to_http_protobuf() -> None:
    assert trace_protocol({}) == "http/protobuf"
    assert trace_protocol({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}) == "grpc"
    assert trace_protocol({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}) == "grpc"


def test_spans_are_the_shared_non_recording_span_while_tracing_is_off() -> None:
    assert tracing.enabled() is False
    with tracing.span("anything", {"a": 1}) as span:
        assert span is INVALID_SPAN
    headers = {"accept": "application/json"}
    assert tracing.inject(headers) == {"accept": "application/json"}


def test_bounded_label_keeps_the_first_values_then_overflows() -> None:
    label = metrics.BoundedLabel(2)
    assert [label(v) for v in ("A", "B", "C", "A", None, "")] == [
        "A",
        "B",
        "other",
        "A",
        "none",
        "none",
    ]


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    set_operation_name("Screen")
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _get(app: Any, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, headers=headers or {})


async def test_access_log_line_per_request_with_client_awareness() -> None:
    app = TelemetryMiddleware(_app, serve_metrics=False, access_log=True)
    headers = {"apollographql-client-name": "web", "apollographql-client-version": "1.2"}
    with capture_logs() as logs:
        await _get(app, "/graphql", headers)
        await _get(app, "/health")
    assert len(logs) == 1
    line = logs[0]
    assert line.pop("duration_ms") >= 0
    assert line == {
        "event": "http.access",
        "log_level": "info",
        "method": "POST",
        "path": "/graphql",
        "status": 201,
        "operation_name": "Screen",
        "client_name": "web",
        "client_version": "1.2",
    }


async def test_access_log_can_be_switched_off() -> None:
    app = TelemetryMiddleware(_app, serve_metrics=False, access_log=False)
    with capture_logs() as logs:
        response = await _get(app, "/graphql")
    assert response.status_code == 201
    assert logs == []


async def test_metrics_endpoint_serves_the_text_format() -> None:
    app = TelemetryMiddleware(_app, serve_metrics=True, access_log=False)
    await _get(app, "/graphql")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == metrics.CONTENT_TYPE_LATEST
    lines = response.text.splitlines()
    assert "# TYPE http_server_requests_total counter" in lines
    assert any(
        line.startswith('http_server_requests_total{method="POST",route="/graphql",status="201"}')
        for line in lines
    )


def test_every_log_line_is_json_with_service_level_and_trace_ids() -> None:
    script = textwrap.dedent(
        """
        import logging
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from servicekit.logging import configure_logging, get_logger
        configure_logging("svc", "info")
        trace.set_tracer_provider(TracerProvider())
        logging.getLogger("uvicorn.error").info("Uvicorn running on %s", "http://x")
        with trace.get_tracer("t").start_as_current_span("s") as span:
            c = span.get_span_context()
            print(format(c.trace_id, "032x"), format(c.span_id, "016x"), flush=True)
            get_logger("app").info("inside", n=1)
            logging.getLogger("sqlalchemy").warning("stdlib inside")
        get_logger("app").debug("dropped below the level")
        """
    )
    stdout, stderr = python_child(script).split("\0")
    trace_id, span_id = stdout.split()
    lines = [json.loads(line) for line in stderr.splitlines()]
    for line in lines:
        assert line.pop("timestamp").endswith("Z")
    assert lines == [
        {
            "event": "Uvicorn running on http://x",
            "level": "info",
            "logger": "uvicorn.error",
            "service": "svc",
        },
        {
            "event": "inside",
            "n": 1,
            "level": "info",
            "logger": "app",
            "service": "svc",
            "trace_id": trace_id,
            "span_id": span_id,
        },
        {
            "event": "stdlib inside",
            "level": "warning",
            "logger": "sqlalchemy",
            "service": "svc",
            "trace_id": trace_id,
            "span_id": span_id,
        },
    ]
