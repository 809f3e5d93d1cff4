"""``python -m benchmarks.telemetry_hooks``: instructions per request of the router's telemetry
hooks alone, beside the same spans made straight on the SDK (the floor the hooks cannot go
under), counted by callgrind. Deterministic, unlike the router under load: no HTTP, no event
loop, and the batch processor exports by size and at the end only (its timer is pushed past
the run), the spans encoded to OTLP protobuf but not sent.

One request is the benchmark query's hook sequence (``bench telemetry``'s trace): the server
span, the document and plan cache lookups, ``router.plan``, 12 subgraph fetches (each with its
outbound headers and its metrics) and ``router.shape``. Each variant runs the script under
valgrind for 50 and 150 requests; the difference over 100 is the per-request figure, start-up
and the final flush cancelled out. ``off`` is the harness itself (hooks on their null paths).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Generator, Sequence
from pathlib import Path

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = ["VARIANTS", "main"]

_SUBGRAPHS = ("products", "inventory", "accounts", "reviews")
_FETCHES = 12
_TRACED = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}  # never reached: see Encoding
VARIANTS: dict[str, dict[str, str]] = {
    "off": {"HOOKS_METRICS": "0"},
    "metrics": {"HOOKS_METRICS": "1"},
    "traced": {**_TRACED, "HOOKS_METRICS": "1", "OTEL_TRACES_SAMPLER": "parentbased_always_on"},
    "unsampled": {
        **_TRACED,
        "HOOKS_METRICS": "1",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0",
    },
    "sdk": {"HOOKS_SDK": "1"},
}


class Answered:
    """An awaitable answered at once: a subgraph request, in place, for the timing hook."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield


def answered(request: Awaitable[None]) -> None:
    """Run ``request`` (it completes without suspending: see :class:`Answered`)."""
    with contextlib.suppress(StopIteration):
        request.__await__().send(None)


class Encoding(SpanExporter):
    """Encodes each batch as the OTLP exporters do, sends nothing."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        return SpanExportResult.SUCCESS


def _hooks(requests: int) -> None:
    from router import telemetry
    from servicekit.telemetry import metrics, tracing
    from servicekit.telemetry.context import RequestInfo, claim_server_span, request_context

    metrics.set_enabled(os.environ.get("HOOKS_METRICS") == "1")
    tracing.configure_tracing("router", "0.1.0", Encoding())
    http = metrics.http_metrics() if metrics.enabled() else None
    attributes = {"http.request.method": "POST", "url.path": "/graphql", "url.scheme": "http"}
    for _ in range(requests):
        info = RequestInfo()
        token = request_context().set(info)
        with tracing.server_span("POST /graphql", {}, attributes) as span:
            info.server_span = span
            server = claim_server_span()
            recording = server is not None and server.is_recording()
            with telemetry.operation_scope("Bench", recording):
                telemetry.cache_lookup("document", True)
                with telemetry.stage("router.plan"):
                    telemetry.cache_lookup("plan", True)
                for i in range(_FETCHES):
                    with telemetry.subgraph_fetch(_SUBGRAPHS[i % 4]) as done:
                        telemetry.outbound_headers({"content-type": "application/json"})
                        answered(telemetry.timed_request(_SUBGRAPHS[i % 4], Answered()))
                        done(None)
                with telemetry.stage("router.shape"):
                    pass
            if server is not None and recording:
                server.set_attributes({"graphql.operation.name": "Bench", "graphql.outcome": "ok"})
            span.set_attribute("http.response.status_code", 200)
        if http is not None:
            http.observe("POST", "/graphql", 200, 0.01)
        request_context().reset(token)


def _sdk(requests: int) -> None:
    """The same spans and attributes on the SDK directly (the provider configured as
    :func:`servicekit.telemetry.tracing.configure_tracing` does), no metrics."""
    from opentelemetry import propagate, trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import SpanKind

    from servicekit.telemetry.tracing import _Resource

    created = Resource.create({"service.name": "router", "service.version": "0.1.0"})
    provider = TracerProvider(resource=_Resource(created.attributes, created.schema_url))
    provider.add_span_processor(
        BatchSpanProcessor(Encoding(), max_queue_size=8192, max_export_batch_size=2048)
    )
    tracer = provider.get_tracer("servicekit", "0.1.0")
    attributes = {"http.request.method": "POST", "url.path": "/graphql", "url.scheme": "http"}
    for _ in range(requests):
        server = tracer.start_span("POST /graphql", kind=SpanKind.SERVER, attributes=attributes)
        parent = trace.set_span_in_context(server)
        server.set_attribute("graphql.document.cache_hit", True)
        tracer.start_span("router.plan", parent, attributes={"graphql.plan.cache_hit": True}).end()
        for i in range(_FETCHES):
            fetch = tracer.start_span(
                "subgraph.fetch",
                parent,
                kind=SpanKind.CLIENT,
                attributes={"subgraph.name": _SUBGRAPHS[i % 4], "graphql.operation.name": "Bench"},
            )
            propagate.inject({}, trace.set_span_in_context(fetch, parent))
            fetch.end()
        tracer.start_span("router.shape", parent).end()
        server.set_attributes({"graphql.operation.name": "Bench", "graphql.outcome": "ok"})
        server.set_attribute("http.response.status_code", 200)
        server.end()
    provider.force_flush()


def _run(requests: int) -> None:
    if os.environ.get("HOOKS_SDK") == "1":
        _sdk(requests)
        return
    _hooks(requests)
    from opentelemetry import trace

    flush = getattr(trace.get_tracer_provider(), "force_flush", None)
    if flush is not None:
        flush()


def _instructions(env: dict[str, str], requests: int, workdir: Path) -> int:
    output = workdir / f"callgrind-{requests}.out"
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}"]
    argv += [sys.executable, "-m", "benchmarks.telemetry_hooks", "--run", str(requests)]
    subprocess.run(argv, env={**os.environ, **env}, check=True, capture_output=True)
    totals = [
        int(line.split()[1])
        for line in output.read_text().splitlines()
        if line.startswith(("totals:", "summary:"))
    ]
    return max(totals)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="telemetry_hooks", description=__doc__)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--run", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run is not None:
        _run(args.run)
        return 0
    env = {"OTEL_BSP_SCHEDULE_DELAY": "600000", "OTEL_BSP_MAX_QUEUE_SIZE": "8192"}
    env["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "2048"  # the same batches in every variant
    for name in (n.strip() for n in args.variants.split(",") if n.strip()):
        with tempfile.TemporaryDirectory(prefix="telemetry-hooks-") as tmp:
            low = _instructions({**env, **VARIANTS[name]}, 50, Path(tmp))
            high = _instructions({**env, **VARIANTS[name]}, 150, Path(tmp))
        print(f"{name:9} {(high - low) / 100 / 1e6:.3f} M instructions/request", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
