"""``trace-sink``: a small OTLP/HTTP trace receiver with a waterfall view, for the local stack.

No OpenTelemetry Collector or Jaeger build installs from the registries this project uses, so the
opt-in local stack sends traces here: ``POST /v1/traces`` takes an OTLP ``ExportTraceServiceRequest``
(binary protobuf, the exporters' ``http/protobuf`` protocol; OTLP/HTTP spec "OTLP/HTTP Request"),
decoded with ``opentelemetry-proto``; the last ``--max-spans`` spans stay in memory. ``GET
/api/traces`` lists them as JSON (the end-to-end tests read it), ``GET /`` renders each trace as a
waterfall. compose.yaml runs a real collector and Jaeger instead.

    trace-sink [--host 127.0.0.1] [--port 4318] [--max-spans 20000]
"""

from __future__ import annotations

import argparse
import html
from collections import OrderedDict, deque
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

__all__ = ["SpanStore", "create_sink_app", "decode_spans", "main"]


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind and kind not in ("array_value", "kvlist_value") else None


def decode_spans(payload: bytes) -> list[dict[str, Any]]:
    """The spans of one ``ExportTraceServiceRequest``, flattened, ids in hex."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(payload)
    spans: list[dict[str, Any]] = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "kind": span.kind,
                        "service": resource.get("service.name"),
                        "scope": scope_spans.scope.name,
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "status": span.status.code,
                        "attributes": {a.key: _value(a.value) for a in span.attributes},
                    }
                )
    return spans


class SpanStore:
    """The most recent spans, grouped by trace in arrival order."""

    def __init__(self, max_spans: int) -> None:
        self._spans: deque[dict[str, Any]] = deque(maxlen=max_spans)

    def add(self, spans: Sequence[dict[str, Any]]) -> None:
        self._spans.extend(spans)

    def traces(self) -> OrderedDict[str, list[dict[str, Any]]]:
        grouped: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        for span in self._spans:
            grouped.setdefault(span["trace_id"], []).append(span)
        return grouped


def _waterfall(trace_id: str, spans: list[dict[str, Any]]) -> str:
    start = min(s["start_ns"] for s in spans)
    total = max(max(s["end_ns"] for s in spans) - start, 1)
    children: dict[str | None, list[dict[str, Any]]] = {}
    ids = {s["span_id"] for s in spans}
    for span in sorted(spans, key=lambda s: s["start_ns"]):
        parent = span["parent_span_id"] if span["parent_span_id"] in ids else None
        children.setdefault(parent, []).append(span)
    rows: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in children.get(parent, []):
            left = 100 * (span["start_ns"] - start) / total
            width = max(100 * (span["end_ns"] - span["start_ns"]) / total, 0.3)
            millis = (span["end_ns"] - span["start_ns"]) / 1e6
            detail = ", ".join(
                f"{k}={v}"
                for k, v in span["attributes"].items()
                if k.startswith(("graphql.", "subgraph.", "db.statement", "apollo.", "bff."))
            )
            rows.append(
                f'<tr><td style="padding-left:{depth * 14}px">'
                f"<b>{html.escape(str(span['service']))}</b> {html.escape(span['name'])}"
                f'<div class="d">{html.escape(detail[:160])}</div></td>'
                f'<td class="bar"><div style="margin-left:{left:.2f}%;width:{width:.2f}%"></div></td>'
                f"<td>{millis:.2f} ms</td></tr>"
            )
            walk(span["span_id"], depth + 1)

    walk(None, 0)
    services = sorted({str(s["service"]) for s in spans})
    return (
        f"<h2>trace {trace_id}</h2><p>{len(spans)} spans; services: "
        f"{html.escape(', '.join(services))}; {total / 1e6:.1f} ms</p>"
        f"<table>{''.join(rows)}</table>"
    )


_STYLE = (
    "body{font:13px sans-serif;margin:16px}table{border-collapse:collapse;width:100%}"
    "td{border-bottom:1px solid #eee;padding:2px 6px;vertical-align:top}"
    "td.bar{width:45%}td.bar div{background:#4a90d9;height:12px;margin-top:3px}"
    ".d{color:#777;font-size:11px}"
)


def create_sink_app(max_spans: int = 20_000) -> Starlette:
    store = SpanStore(max_spans)

    async def receive(request: Request) -> Response:
        try:
            store.add(decode_spans(await request.body()))
        except DecodeError:
            return Response(b"not an ExportTraceServiceRequest", status_code=400)
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )

    async def traces(_: Request) -> JSONResponse:
        return JSONResponse([{"trace_id": t, "spans": s} for t, s in store.traces().items()])

    async def page(request: Request) -> HTMLResponse:
        wanted = request.query_params.get("trace")
        grouped = store.traces()
        chosen = [(t, s) for t, s in grouped.items() if wanted in (None, t)][-20:]
        body = "".join(_waterfall(t, s) for t, s in reversed(chosen)) or "<p>no traces yet</p>"
        return HTMLResponse(f"<html><head><style>{_STYLE}</style></head><body>{body}</body></html>")

    return Starlette(
        routes=[
            Route("/v1/traces", receive, methods=["POST"]),
            Route("/api/traces", traces),
            Route("/", page),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="trace-sink", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--max-spans", type=int, default=20_000)
    args = parser.parse_args(argv)
    from servicekit.logging import configure_logging
    from servicekit.serve import serve

    configure_logging("trace_sink")  # never traced itself: its spans would come back to it
    serve(create_sink_app(args.max_spans), host=args.host, port=args.port)
