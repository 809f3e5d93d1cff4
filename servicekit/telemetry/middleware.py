"""A pure-ASGI middleware every service runs outermost (inside OpenTelemetry's, when tracing):
serves ``GET /metrics``, times each request for the HTTP metrics, reads Apollo's
client-awareness headers and writes one access log line per request.
"""

from __future__ import annotations

import time
from typing import Any

from servicekit.logging import get_logger
from servicekit.telemetry import metrics
from servicekit.telemetry.context import (
    CLIENT_NAME_HEADER,
    CLIENT_VERSION_HEADER,
    RequestInfo,
    request_context,
)

__all__ = ["TelemetryMiddleware"]

_CLIENT_NAME = CLIENT_NAME_HEADER.encode()
_CLIENT_VERSION = CLIENT_VERSION_HEADER.encode()
_QUIET_PATHS = frozenset({"/metrics", "/health", "/ready"})
"""Probes and scrapes: counted, never access-logged (they would drown the requests)."""

Scope = dict[str, Any]


def _client(scope: Scope) -> RequestInfo:
    info = RequestInfo()
    for name, value in scope.get("headers", ()):
        if name == _CLIENT_NAME:
            info.client_name = value.decode("latin-1")[:64]
        elif name == _CLIENT_VERSION:
            info.client_version = value.decode("latin-1")[:64]
    return info


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
        if path == "/metrics" and self.serve_metrics and scope["method"] in ("GET", "HEAD"):
            await self._metrics(send)
            return
        info = _client(scope)
        token = request_context().set(info)
        status = 500
        started = time.perf_counter()

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            if self._http is not None:
                self._http.observe(scope["method"], path, status, elapsed)
            if self.access_log and path not in _QUIET_PATHS:
                self._log.info(
                    "http.access",
                    method=scope["method"],
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
