"""Every answer of a BFF's ``/graphql`` is a GraphQL response in JSON (GraphQL-over-HTTP,
"Response"; issue #8's fuzzing found the gaps).

Strawberry answers some request errors as ``text/plain`` (``Unsupported content type``,
``mutations are not allowed when using GET``, ``No GraphQL query found in the request``, a bad
``variables`` type, its bare 500) and FastAPI answers other methods with ``{"detail": ...}``.
:func:`graphql_error_answers` wraps the ASGI ``send`` of a ``/graphql`` request and rewrites such an
answer into ``{"errors": [{"message", "extensions": {"code"}}]}`` with the status the spec names:
415 for an unsupported content type, 405 + ``Allow: POST`` for a mutation over GET, 400 for a GET
without ``query`` where no IDE is served (Strawberry's 404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

__all__ = ["graphql_error_answers", "method_not_allowed", "respond_error"]

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

# Strawberry's plain-text messages -> (status, code, extra headers)
_KNOWN: dict[str, tuple[int, str, dict[str, str]]] = {
    "Unsupported content type": (415, "INVALID_CONTENT_TYPE_HEADER", {}),
    "mutations are not allowed when using GET": (405, "METHOD_NOT_ALLOWED", {"allow": "POST"}),
    # a GET without ``query`` where no IDE is served (production): not a well-formed request
    "Not Found": (400, "BAD_REQUEST", {}),
}
_MESSAGES = {"Not Found": "No GraphQL query found in the request"}


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def respond_error(
    send: Send,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    media_type: str = "application/json",
) -> None:
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def method_not_allowed(send: Send, method: str) -> None:
    body = error_body(
        f"Method {method} is not allowed: use GET (queries) or POST", "METHOD_NOT_ALLOWED"
    )
    await respond_error(send, 405, body, {"allow": "GET, POST"})


def _translate(status: int, text: str) -> tuple[int, bytes, dict[str, str]]:
    if status >= 500:
        return status, error_body("Internal Server Error", "INTERNAL_SERVER_ERROR"), {}
    if text.startswith("Unknown operation named") or text == "Can't get GraphQL operation type":
        # a GraphQL request error, not a malformed HTTP request: 200 under application/json
        return 200, error_body(text, "OPERATION_RESOLUTION_FAILURE"), {}
    known_status, code, headers = _KNOWN.get(text, (status, "BAD_REQUEST", {}))
    message = _MESSAGES.get(text, text) or "Bad Request"
    return known_status, error_body(message, code), headers


def graphql_error_answers(send: Send) -> Send:
    """``send`` with non-JSON error answers (status >= 400) rewritten as GraphQL errors."""
    held: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers") or []).get(b"content-type", b"")
            if message["status"] >= 400 and b"json" not in content_type:
                held = message
                return
        elif held is not None and message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            text = b"".join(chunks).decode("utf-8", errors="replace").strip()
            status, body, headers = _translate(held["status"], text)
            await respond_error(send, status, body, headers)
            return
        await send(message)

    return wrapped
