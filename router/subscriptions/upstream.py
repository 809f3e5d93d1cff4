"""The router's side of a subgraph subscription: a graphql-transport-ws WebSocket client.

One WebSocket per subgraph request (not multiplexed; identical client subscriptions share it:
:mod:`router.subscriptions.shared`): the subgraph verifies the caller's signed identity on the
upgrade request (:mod:`servicekit.auth.forwarded`, bound to the empty body of the upgrade), which
is per caller, and closing the socket is how the last client's disconnect reaches the subgraph. Protocol: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
(``connection_init``/``connection_ack``, ``subscribe``, ``next``/``error``/``complete``,
``ping``/``pong``). A stream that ends without ``complete`` is a subgraph disconnect: the client's
stream ends with an error (no reconnection: the events in between would be lost silently).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from router.execution.errors import root_error
from router.execution.subgraphs import SubgraphAnswer
from router.request import graphql_error
from servicekit.auth.forwarded import bind_identity

__all__ = ["PROTOCOL", "SubgraphStreamError", "subgraph_events", "websocket_url"]

PROTOCOL = "graphql-transport-ws"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CLOSED_CODE = "SUBSCRIPTION_SUBGRAPH_CLOSED"
UNREACHABLE_CODE = "SUBREQUEST_WEBSOCKET_ERROR"
MAX_CONCURRENT_HANDSHAKES = 32
_HANDSHAKES = asyncio.Semaphore(MAX_CONCURRENT_HANDSHAKES)
"""Subgraph WebSockets being opened at once by this process: a burst of subscribers (a client
reconnecting a thousand subscriptions) queues here instead of overwhelming the subgraph so that
handshakes time out; the connect timeout runs from the turn, not from the queue."""


class SubgraphStreamError(Exception):
    """The subgraph refused the subscription (its GraphQL errors) or the stream broke."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("message") if errors else "subgraph stream failed")
        self.errors = errors


def websocket_url(url: str) -> str:
    """``http(s)://`` routing URLs become ``ws(s)://`` (the same endpoint serves both)."""
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    if url.startswith("http://"):
        return "ws://" + url.removeprefix("http://")
    return url


def _failure(service: str, message: str, code: str) -> SubgraphStreamError:
    return SubgraphStreamError([graphql_error(message, code, service=service)])


async def _handshake(ws: ClientConnection, seconds: float) -> None:
    await ws.send(json.dumps({"type": "connection_init"}))
    async with asyncio.timeout(seconds):
        while True:
            message = json.loads(await ws.recv())
            kind = message.get("type")
            if kind == "connection_ack":
                return
            if kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))


async def subgraph_events(
    service: str,
    url: str,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    connect_timeout: float,
    identity_secret: str | None = None,
) -> AsyncIterator[SubgraphAnswer]:
    """Each ``next`` payload of the subgraph's stream, until ``complete``; anything else that
    ends it raises :class:`SubgraphStreamError` with errors naming ``service``. A signed
    identity in ``headers`` is signed again (``identity_secret``) when its handshake's turn
    comes, bound to the upgrade's empty body."""
    completed = False
    handshaking = True
    await _HANDSHAKES.acquire()
    # signed now, not when the subscription was admitted: the turn may have taken a while
    signed = bind_identity(dict(headers), b"", identity_secret)
    try:
        async with connect(
            websocket_url(url),
            subprotocols=[Subprotocol(PROTOCOL)],
            additional_headers=signed,
            open_timeout=connect_timeout,
            max_size=MAX_MESSAGE_BYTES,
        ) as ws:
            await _handshake(ws, connect_timeout)
            _HANDSHAKES.release()
            handshaking = False
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": dict(payload)}))
            async for raw in ws:
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    body = message.get("payload") or {}
                    errors = body.get("errors") or []
                    yield SubgraphAnswer(data=body.get("data"), errors=list(errors))
                elif kind == "error":
                    errors = message.get("payload")
                    found = errors if isinstance(errors, list) else []
                    raise SubgraphStreamError(
                        [root_error(e, service) for e in found if isinstance(e, dict)]
                        or [graphql_error("the subgraph refused the subscription", CLOSED_CODE)]
                    )
                elif kind == "complete":
                    completed = True
                    return
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
    except (ConnectionClosed, orjson.JSONDecodeError) as error:
        raise _failure(
            service, f"subgraph '{service}' closed the subscription stream", CLOSED_CODE
        ) from error
    except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
        raise _failure(
            service,
            f"could not open a subscription to subgraph '{service}': {error}",
            UNREACHABLE_CODE,
        ) from error
    finally:
        if handshaking:
            _HANDSHAKES.release()
    if not completed:
        raise _failure(service, f"subgraph '{service}' closed the subscription stream", CLOSED_CODE)
