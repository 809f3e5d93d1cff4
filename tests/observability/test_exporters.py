"""Both OTLP transports the SDK's variables select: a child process configures servicekit's
tracing from the environment, records one span and shuts down (flushing the batch); the span
arrives at a gRPC ``TraceService`` (opentelemetry-proto's service definition, grpcio) or at the
tests' OTLP/HTTP receiver."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from servicekit.topology import PROJECT_ROOT
from tests.observability.receiver import OtlpReceiver

CHILD = textwrap.dedent(
    """
    from opentelemetry import trace
    from servicekit.telemetry import tracing
    assert tracing.configure_tracing("exporter-test", "1.0")
    with tracing.span("exported", {"answer": 42}):
        pass
    trace.get_tracer_provider().shutdown()
    """
)


def _run_child(env: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env={**clean, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.lock = threading.Lock()

    def Export(
        self, request: ExportTraceServiceRequest, context: Any
    ) -> ExportTraceServiceResponse:
        with self.lock:
            self.requests.append(request)
        return ExportTraceServiceResponse()


def test_spans_export_over_grpc() -> None:
    service = _TraceService()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        _run_child(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            }
        )
    finally:
        server.stop(grace=None)
    received = [
        (
            {a.key: a.value.string_value for a in rs.resource.attributes}["service.name"],
            span.name,
            {a.key: a.value.int_value for a in span.attributes},
        )
        for request in service.requests
        for rs in request.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]
    assert received == [("exporter-test", "exported", {"answer": 42})]


def test_spans_export_over_http_protobuf() -> None:
    with OtlpReceiver() as receiver:
        _run_child({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{receiver.endpoint}/v1/traces"})
        spans = list(receiver.spans)
    assert [(s.service, s.name, s.attributes) for s in spans] == [
        ("exporter-test", "exported", {"answer": 42})
    ]
