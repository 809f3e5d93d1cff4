"""A pure-ASGI guard in front of ``/graphql``: a POST body that is not JSON, or too large, is
answered with a GraphQL-shaped error (GraphQL over HTTP: 400 / 413 with ``errors``), the same
for Strawberry and Ariadne (which otherwise answer with different plain-text messages). The body
it buffered stays in the scope (:data:`BODY_SCOPE_KEY`) for signature checks."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BODY_SCOPE_KEY", "MAX_BODY_BYTES", "JsonBodyGuard"]

MAX_BODY_BYTES = 10 * 1024 * 1024
BODY_SCOPE_KEY = "subgraph.body"
"""Where the guard leaves the raw body in the ASGI scope: signed identities are bound to it
(:mod:`subgraphs.common.identity`)."""


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class JsonBodyGuard:
    """Buffers a JSON POST to ``path``, checks it, then replays it to the app."""

    def __init__(self, app: ASGIApp, path: str = "/graphql", max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.path = path
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _error(413, "request body too large", "PAYLOAD_TOO_LARGE")(
                    scope, receive, send
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            json.loads(body)
        except ValueError:
            await _error(400, "request body is not valid JSON", "BAD_REQUEST")(scope, receive, send)
            return
        scope[BODY_SCOPE_KEY] = body
        await self.app(scope, _replay(body), send)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return False
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        return b"json" in headers.get(b"content-type", b"").lower()


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        message: dict[str, Any] = {"type": "http.request", "body": body, "more_body": False}
        return message

    return receive
