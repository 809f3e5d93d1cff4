"""A BFF's live data: one router subscription per client subscription (issue #16).

The BFFs forward subscriptions from the router's (``orderStatusChanged``, ``stockChanged``); they
never keep state of their own. Each client subscription opens one graphql-transport-ws WebSocket
to the router (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md), as the router
does to its subgraphs (both with :mod:`servicekit.graphql_ws`): the caller's bearer token travels in
``connection_init`` (the router verifies it there, as for a bearer header, and forwards the signed
identity to the subgraph, which checks ownership), and closing the socket when the client leaves
is how the disconnect reaches the router and the subgraph at once.

The router's answers map onto the BFF's stream as GraphQL's ``subscribe`` expects
(GraphQL spec, "Subscription"): each ``next`` payload is one event; an ``error`` message (the
router or the subgraph refused the subscription, e.g. ``FORBIDDEN`` for another user's order)
and a payload without data (a terminal error such as ``SUBSCRIPTION_SUBGRAPH_CLOSED``) raise
:class:`~bff.router_client.RouterError` carrying the router's errors, so the client sees the
router's code; ``complete`` ends the stream; a socket closed without ``complete`` is an error
too (``ROUTER_STREAM_CLOSED``): a client must not mistake a broken stream for a finished one.

The upgrade request carries the BFF's client-awareness headers (``apollographql-client-name:
bff-mobile``), which the router's WebSocket transport reads for its trusted-document policy as
over HTTP (``router/http/websocket.py``); with ``router_persisted_ids`` the ``subscribe``
payload holds the subscription's manifest id (``extensions.persistedQuery.sha256Hash``) and no
text, so a router safelisting the BFF serves its subscriptions too.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode, print_ast

from bff.router_client import RouterClient, RouterError, persisted_payload
from bff.specs import operation_named
from servicekit.graphql_ws import Error, Next, StreamClosed, Unreachable, open_graphql_ws

__all__ = ["LivePiece", "router_events"]

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
CONNECT_TIMEOUT_SECONDS = 10.0


def _closed(message: str) -> RouterError:
    return RouterError(message, code="ROUTER_STREAM_CLOSED")


async def router_events(
    router_url: str,
    payload: Mapping[str, Any],
    *,
    authorization: str | None,
    headers: Mapping[str, str] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
) -> AsyncGenerator[dict[str, Any], None]:
    """The ``data`` of each router event until ``complete``; raises :class:`RouterError` with
    the router's errors otherwise. ``payload`` is the ``subscribe`` message's (text or id);
    ``headers`` go on the upgrade request. Closing the generator closes the WebSocket."""
    try:
        async with open_graphql_ws(
            router_url,
            headers=headers,
            init_payload={"Authorization": authorization} if authorization else None,
            handshake_seconds=connect_timeout,
            max_message_bytes=MAX_MESSAGE_BYTES,
        ) as connection:
            async for message in connection.subscribe(payload):
                if isinstance(message, Next):
                    if message.payload.get("data") is None:
                        errors = list(message.payload.get("errors") or [])
                        raise RouterError(_first_message(errors), errors)
                    yield message.payload["data"]
                elif isinstance(message, Error):
                    raise RouterError(_first_message(message.errors), message.errors)
    except StreamClosed as error:
        raise _closed(f"the router closed the subscription stream: {error}") from error
    except Unreachable as error:
        raise RouterError(f"router unreachable: {error}", code="ROUTER_UNREACHABLE") from error


def _first_message(errors: list[dict[str, Any]]) -> str:
    return str(errors[0].get("message")) if errors else "the router ended the subscription"


@dataclass(frozen=True)
class LivePiece:
    """One subscription of a BFF's router document (``subscription BffMobile_OrderUpdates``),
    printed once; :meth:`events` forwards one client subscription to the router."""

    name: str
    text: str
    root_field: str

    @classmethod
    def of(cls, document: DocumentNode, name: str) -> LivePiece:
        operation: OperationDefinitionNode = operation_named(document, name)
        if operation.operation.value != "subscription":
            raise ValueError(f"{name} is not a subscription")
        field = operation.selection_set.selections[0]
        root = getattr(field, "alias", None) or getattr(field, "name", None)
        text = print_ast(DocumentNode(definitions=(operation,)))
        return cls(name, text, root.value if root is not None else "")

    def payload(self, router: RouterClient, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The ``subscribe`` payload: the manifest id when the router client sends ids, else
        the text."""
        if router.by_id:
            return persisted_payload(self.name, router.operation_id(self.name), variables)
        return {"query": self.text, "variables": dict(variables), "operationName": self.name}

    async def open(
        self, router: RouterClient, variables: Mapping[str, Any], authorization: str | None
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Forward one client subscription: the root field's value in each router event.

        Waits for the router's first event before returning (``orderStatusChanged`` and
        ``stockChanged`` start with the current state), so a refusal (the router's
        ``UNAUTHORIZED_FIELD_OR_TYPE``, the subgraph's ``FORBIDDEN``) raises here, while the
        BFF's resolver creates its source stream: GraphQL's ``CreateSourceEventStream`` then
        answers it as a request error (graphql-transport-ws ``error``), as the router does.
        """
        stream = router_events(
            router.url,
            self.payload(router, variables),
            authorization=authorization,
            headers=router.client_headers,
        )
        try:
            first: dict[str, Any] | None = await anext(stream)
        except StopAsyncIteration:  # completed before any event: an empty stream
            first = None
        except BaseException:
            await stream.aclose()
            raise
        return self._values(first, stream)

    async def _values(
        self, first: dict[str, Any] | None, stream: AsyncGenerator[dict[str, Any], None]
    ) -> AsyncGenerator[dict[str, Any], None]:
        try:
            if first is None:
                return
            yield first[self.root_field]
            async for data in stream:
                yield data[self.root_field]
        finally:
            await stream.aclose()
