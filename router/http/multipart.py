"""Incremental delivery over HTTP: ``multipart/mixed`` responses for ``@defer``.

The format GraphQL Yoga / Hive Gateway and Apollo clients speak (incremental delivery RFC,
``deferSpec=20220824``): ``Content-Type: multipart/mixed; boundary="-"; deferSpec=20220824``,
each part ``Content-Type: application/json; charset=utf-8`` (and its ``Content-Length``) with
one JSON payload (the first ``{data, errors?, extensions?, hasNext: true}``, then
``{incremental: [...], hasNext}``), the body closed by the final delimiter once ``hasNext`` is
false. A complete answer sent this way (the client accepts nothing else) is one part without
``hasNext``, as Yoga sends it.

A client opts in with ``Accept: multipart/mixed; deferSpec=20220824`` (or plain
``multipart/mixed``); any other ``deferSpec`` is not this format and is not accepted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from starlette.responses import StreamingResponse

from router.request import GraphQLResponse, graphql_error
from router.resilience.deadline import request_deadline
from servicekit.logging import get_logger

__all__ = [
    "DEFER_SPEC",
    "MULTIPART_CONTENT_TYPE",
    "accepts_incremental",
    "multipart_response",
]

DEFER_SPEC = "20220824"
BOUNDARY = "-"
MULTIPART_CONTENT_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"; deferSpec={DEFER_SPEC}'
_OPEN = f"\r\n--{BOUNDARY}".encode()
_CLOSE = b"--\r\n"
TIMED_OUT = "Your request has been timed out"

_log = get_logger(__name__)


def accepts_incremental(accept: str | None) -> bool:
    """Whether ``Accept`` allows ``multipart/mixed`` incremental delivery in this format."""
    for part in (accept or "").split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if media_range.lower() != "multipart/mixed":
            continue
        params: dict[str, str] = {}
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        if quality > 0 and params.get("deferspec", DEFER_SPEC) == DEFER_SPEC:
            return True
    return False


def _part(payload: Mapping[str, Any]) -> bytes:
    """One part and the delimiter after it, so a client can parse the part at once (as
    GraphQL Yoga writes them): ``\r\nheaders\r\n\r\nJSON\r\n---``."""
    body = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    head = (
        f"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body + _OPEN


async def _body(
    first: dict[str, Any],
    subsequent: AsyncIterator[dict[str, Any]] | None,
    timeout_seconds: float | None,
) -> AsyncIterator[bytes]:
    yield _OPEN + _part(first)
    if subsequent is not None:
        try:
            # the deadline's context variable reaches the deferred fetches: a subgraph call it
            # cuts short counts as a timeout (router.resilience.deadline), not a client gone
            async with request_deadline(timeout_seconds):
                async for payload in subsequent:
                    yield _part(payload)
        except TimeoutError:
            error = graphql_error(TIMED_OUT, "GATEWAY_TIMEOUT")
            yield _part({"hasNext": False, "errors": [error]})
        except Exception:
            _log.exception("deferred delivery failed")
            error = graphql_error("Internal server error", "INTERNAL_SERVER_ERROR")
            yield _part({"hasNext": False, "errors": [error]})
        finally:
            close = getattr(subsequent, "aclose", None)
            if close is not None:
                await close()
    yield _CLOSE


def multipart_response(
    response: GraphQLResponse,
    headers: Mapping[str, str] | None = None,
    *,
    timeout_seconds: float | None = None,
) -> StreamingResponse:
    """``response`` (and its ``subsequent`` payloads) as one ``multipart/mixed`` stream.

    The deferred parts run while the body streams: ``timeout_seconds`` bounds them (a last
    part with ``GATEWAY_TIMEOUT`` ends the stream), and a client that goes away cancels them."""
    first = response.to_dict()
    if response.subsequent is not None:
        first["hasNext"] = True
    return StreamingResponse(
        _body(first, response.subsequent, timeout_seconds),
        status_code=200,
        headers={**dict(headers or {}), "cache-control": "no-cache"},
        media_type=MULTIPART_CONTENT_TYPE,
    )
