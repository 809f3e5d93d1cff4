"""A pure-ASGI middleware every service runs outermost: serves ``GET /metrics``, opens the
request's ``SERVER`` span (continuing the caller's W3C trace), times each request for the HTTP
metrics, reads Apollo's client-awareness headers and writes one access log line per request.

The server span follows OpenTelemetry's stable HTTP server conventions (span name
``{method} {http.route}``, ``http.request.method``, ``url.path``, ``url.scheme``,
``http.route``, ``network.protocol.version``, ``http.response.status_code``; ERROR status on 5xx
only; a GraphQL failure the app reports with
:func:`~servicekit.telemetry.context.set_failure` on a 1xx-3xx response, too). It is made here, from the headers this middleware reads anyway, rather than by
``opentelemetry-instrumentation-asgi``'s middleware: in-process on the benchmark machine that
one cost 113 µs of CPU per request against 26 µs for this span (a dozen attributes under both
semconv modes, a scan of every header per attribute, URL parsing): the largest single item of
the router's tracing cost, which ``bench telemetry`` measures.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry.trace import Status, StatusCode

from servicekit.logging import get_logger
from servicekit.telemetry import metrics, tracing
from servicekit.telemetry.context import (
    CLIENT_NAME_HEADER,
    CLIENT_VERSION_HEADER,
    RequestInfo,
    request_context,
)

__all__ = ["TelemetryMiddleware"]

_CLIENT_NAME = CLIENT_NAME_HEADER.encode()
_CLIENT_VERSION = CLIENT_VERSION_HEADER.encode()
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})
"""What the default propagators (W3C Trace Context and Baggage) read."""
_QUIET_PATHS = frozenset({"/metrics", "/health", "/ready"})
"""Probes and scrapes: counted, never access-logged nor traced (they would drown the requests)."""
_ROUTES = frozenset({"/graphql"})
"""Paths that name the server span (``http.route``); others are named by the method alone."""

Scope = dict[str, Any]


def _read_headers(scope: Scope, trace_headers: dict[str, str]) -> RequestInfo:
    """The client-awareness headers; the W3C trace headers go into ``trace_headers``."""
    info = RequestInfo()
    for name, value in scope.get("headers", ()):
        if name == _CLIENT_NAME:
            info.client_name = value.decode("latin-1")[:64]
        elif name == _CLIENT_VERSION:
            info.client_version = value.decode("latin-1")[:64]
        elif name in _TRACE_HEADERS:
            trace_headers[name.decode("latin-1")] = value.decode("latin-1")
    return info


def _server_span_attributes(scope: Scope, method: str, path: str) -> dict[str, Any]:
    return {
        "http.request.method": method,
        "url.path": path,
        "url.scheme": scope.get("scheme", "http"),
        "http.route": path if path in _ROUTES else None,
        "network.protocol.version": scope.get("http_version"),
    }


class TelemetryMiddleware:
    def __init__(self, app: Any, *, serve_metrics: bool, access_log: bool) -> None:
        self.app = app
        self.serve_metrics = serve_metrics
        self.access_log = access_log
        self._http = metrics.http_metrics() if serve_metrics else None
        self._log = get_logger("access")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        method = scope["method"]
        if path == "/metrics" and self.serve_metrics and method in ("GET", "HEAD"):
            await self._metrics(send)
            return
        trace_headers: dict[str, str] = {}
        info = _read_headers(scope, trace_headers)
        token = request_context().set(info)
        status = 500
        started = time.perf_counter()

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        traced = tracing.enabled() and path not in _QUIET_PATHS
        server = (
            tracing.server_span(
                f"{method} {path}" if path in _ROUTES else method,
                trace_headers,
                _server_span_attributes(scope, method, path),
            )
            if traced
            else tracing.untraced()
        )
        with server as span:
            if traced:
                info.server_span = span
            try:
                await self.app(scope, receive, send_status)
            finally:
                elapsed = time.perf_counter() - started
                if traced:
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                    elif info.failure is not None and status < 400:
                        span.set_status(Status(StatusCode.ERROR, info.failure))
                if self._http is not None:
                    self._http.observe(method, path, status, elapsed)
                if self.access_log and path not in _QUIET_PATHS:
                    self._log.info(
                        "http.access",
                        method=method,
                        path=path,
                        status=status,
                        duration_ms=round(elapsed * 1000, 3),
                        operation_name=info.operation_name,
                        client_name=info.client_name,
                        client_version=info.client_version,
                    )
                request_context().reset(token)

    async def _metrics(self, send: Any) -> None:
        body = metrics.render()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", metrics.CONTENT_TYPE_LATEST.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
