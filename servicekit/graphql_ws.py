"""The client side of one graphql-transport-ws operation, for services that forward a
subscription to another GraphQL server: the router to a subgraph, a BFF to the router.

Protocol: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md. The client sends
``connection_init`` and waits for ``connection_ack`` before its ``subscribe`` (a server may
close a socket that subscribes first with 4401), answers every ``ping`` with a ``pong``, and
reads ``next``/``error``/``complete`` for its one operation. One operation per socket, on
purpose: the callers authenticate each subscriber on its own upgrade request or
``connection_init``, and closing the socket is how a subscriber's departure reaches the server.

What the socket says maps onto three outcomes the callers translate into their own GraphQL
errors: the messages (:class:`Next`, :class:`Error`), :class:`StreamClosed` (the socket closed,
or sent something that is not a protocol message, before ``complete``: a broken stream must
not pass for a finished one) and :class:`Unreachable` (no socket, or no ``connection_ack`` in
time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

__all__ = [
    "PROTOCOL",
    "Error",
    "GraphQLWebSocket",
    "Next",
    "StreamClosed",
    "Unreachable",
    "open_graphql_ws",
    "websocket_url",
]

PROTOCOL = "graphql-transport-ws"
_PONG = json.dumps({"type": "pong"})


@dataclass(frozen=True)
class Next:
    """A ``next`` message: one execution result (``data`` and maybe ``errors``)."""

    payload: dict[str, Any]


@dataclass(frozen=True)
class Error:
    """An ``error`` message: the server refused the operation (its GraphQL errors)."""

    errors: list[dict[str, Any]]


class StreamClosed(Exception):
    """The socket closed, or carried a message that is not JSON, before ``complete``; the
    message holds the close reason when the server gave one."""


class Unreachable(Exception):
    """No WebSocket could be opened, or the server did not acknowledge ``connection_init``
    within the timeout."""


def websocket_url(url: str) -> str:
    """An ``http(s)://`` GraphQL endpoint's WebSocket address (``ws(s)://``, same path)."""
    for scheme, replacement in (("https://", "wss://"), ("http://", "ws://")):
        if url.startswith(scheme):
            return replacement + url.removeprefix(scheme)
    return url


class GraphQLWebSocket:
    """An acknowledged connection (``connection_ack`` received); :meth:`subscribe` runs its one
    operation."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws

    async def subscribe(self, payload: Mapping[str, Any]) -> AsyncIterator[Next | Error]:
        """Each ``next`` of the operation until ``complete``, or its ``error`` (the last message
        of a refused operation)."""
        try:
            await self._ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": dict(payload)})
            )
            async for raw in self._ws:
                message = orjson.loads(raw)
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "next":
                    body = message.get("payload")
                    yield Next(body if isinstance(body, dict) else {})
                elif kind == "error":
                    errors = message.get("payload")
                    found = errors if isinstance(errors, list) else []
                    yield Error([error for error in found if isinstance(error, dict)])
                    return  # the operation is over: the server sends nothing more for it
                elif kind == "complete":
                    return
                elif kind == "ping":
                    await self._ws.send(_PONG)
        except ConnectionClosed as error:
            raise _closed(error) from error
        except orjson.JSONDecodeError as error:
            raise StreamClosed("the server sent a message that is not JSON") from error
        raise StreamClosed("the server closed the stream")


def _closed(error: ConnectionClosed) -> StreamClosed:
    reason = error.rcvd.reason if error.rcvd is not None else ""
    return StreamClosed(reason or "the server closed the stream")


async def _acknowledged(ws: ClientConnection, init: str, seconds: float) -> None:
    await ws.send(init)
    async with asyncio.timeout(seconds):
        while True:
            message = orjson.loads(await ws.recv())
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "connection_ack":
                return
            if kind == "ping":
                await ws.send(_PONG)


@contextlib.asynccontextmanager
async def open_graphql_ws(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    init_payload: Mapping[str, Any] | None = None,
    handshake_seconds: float,
    max_message_bytes: int,
) -> AsyncIterator[GraphQLWebSocket]:
    """Open the socket (``headers`` on the upgrade request) and complete the handshake
    (``init_payload`` in ``connection_init``), each within ``handshake_seconds``; leaving the
    block closes the socket, which ends the operation on the server too."""
    init: dict[str, Any] = {"type": "connection_init"}
    if init_payload:
        init["payload"] = dict(init_payload)
    async with contextlib.AsyncExitStack() as stack:
        try:
            ws = await stack.enter_async_context(
                connect(
                    websocket_url(url),
                    subprotocols=[Subprotocol(PROTOCOL)],
                    additional_headers=dict(headers or {}),
                    open_timeout=handshake_seconds,
                    max_size=max_message_bytes,
                )
            )
            await _acknowledged(ws, json.dumps(init), handshake_seconds)
        except ConnectionClosed as error:
            raise _closed(error) from error
        except orjson.JSONDecodeError as error:
            raise StreamClosed("the server sent a message that is not JSON") from error
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from error
        # outside the handshake's try: the caller's own exceptions pass through unchanged
        yield GraphQLWebSocket(ws)
