"""Request errors raised before the core runs, and the catch-all that keeps tracebacks off the wire.

GraphQL-over-HTTP, section "Response": every response to a GraphQL-over-HTTP request carries a
GraphQL response body, so a transport failure (malformed JSON, 413, 415, ...) is still a
``{"errors": [...]}`` document. :class:`CatchAllMiddleware` is the last line: any unexpected
exception becomes a 500 with a GraphQL error ``INTERNAL_SERVER_ERROR`` and a correlation id that
also appears in the log line carrying the traceback.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router.request import graphql_error
from servicekit.logging import get_logger

__all__ = ["CatchAllMiddleware", "HttpError", "error_body"]

_log = get_logger("router.http")


class HttpError(Exception):
    """A request the HTTP layer refuses: ``status``, a GraphQL error and optional headers."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.code)


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """A GraphQL response with one error and no ``data`` (a request error)."""
    return {"errors": [graphql_error(message, code, **extra)]}


class CatchAllMiddleware:
    """Pure ASGI: turn an unexpected exception into a GraphQL ``INTERNAL_SERVER_ERROR`` (500).

    When the response has already started nothing can be said to the client any more; the error is
    logged and the connection closed by the server.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            correlation_id = uuid.uuid4().hex
            _log.exception(
                "unhandled error",
                correlation_id=correlation_id,
                path=scope.get("path"),
                method=scope.get("method"),
            )
            if started:
                return
            body = orjson.dumps(
                error_body(
                    "Internal server error", "INTERNAL_SERVER_ERROR", correlationId=correlation_id
                )
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
