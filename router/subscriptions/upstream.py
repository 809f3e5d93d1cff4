"""The router's side of a subgraph subscription: a graphql-transport-ws WebSocket client.

One WebSocket per subgraph request (not multiplexed; identical client subscriptions share it:
:mod:`router.subscriptions.shared`): the subgraph verifies the caller's signed identity on the
upgrade request (:mod:`servicekit.auth.forwarded`, bound to the empty body of the upgrade), which
is per caller, and closing the socket is how the last client's disconnect reaches the subgraph. The protocol (graphql-transport-ws) is :mod:`servicekit.graphql_ws`'s, shared with the BFFs'
client of the router; this module maps its outcomes onto the router's errors. A stream that ends without ``complete`` is a subgraph disconnect: the client's
stream ends with an error (no reconnection: the events in between would be lost silently).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from router.execution.errors import root_error
from router.execution.subgraphs import SubgraphAnswer
from router.request import graphql_error
from servicekit.auth.forwarded import bind_identity
from servicekit.graphql_ws import (
    Error,
    GraphQLWebSocket,
    Next,
    StreamClosed,
    Unreachable,
    open_graphql_ws,
)

__all__ = ["SubgraphStreamError", "subgraph_events"]

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


def _failure(service: str, message: str, code: str) -> SubgraphStreamError:
    return SubgraphStreamError([graphql_error(message, code, service=service)])


def _closed(service: str) -> SubgraphStreamError:
    return _failure(service, f"subgraph '{service}' closed the subscription stream", CLOSED_CODE)


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
    try:
        async with contextlib.AsyncExitStack() as stack:
            async with _HANDSHAKES:
                # signed now, not when the subscription was admitted: the turn may take a while
                signed = bind_identity(dict(headers), b"", identity_secret)
                connection: GraphQLWebSocket = await stack.enter_async_context(
                    open_graphql_ws(
                        url,
                        headers=signed,
                        handshake_seconds=connect_timeout,
                        max_message_bytes=MAX_MESSAGE_BYTES,
                    )
                )
            async for message in connection.subscribe(payload):
                if isinstance(message, Next):
                    body = message.payload
                    errors = body.get("errors") or []
                    yield SubgraphAnswer(data=body.get("data"), errors=list(errors))
                elif isinstance(message, Error):
                    raise SubgraphStreamError(
                        [root_error(error, service) for error in message.errors]
                        or [graphql_error("the subgraph refused the subscription", CLOSED_CODE)]
                    )
    except StreamClosed as error:
        raise _closed(service) from error
    except Unreachable as error:
        raise _failure(
            service,
            f"could not open a subscription to subgraph '{service}': {error}",
            UNREACHABLE_CODE,
        ) from error
