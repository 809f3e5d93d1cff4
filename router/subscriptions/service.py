"""Open client subscriptions: admission (caps), the per-subscription pump, and ending them.

Every client transport (WebSocket, SSE, multipart) runs a subscription the same way:
:meth:`SubscriptionService.start` refuses it (:class:`SubscriptionRefused`: a request error, a
cap) or returns a :class:`LiveSubscription` whose :meth:`~LiveSubscription.events` yields each
response, then ends with ``complete`` or a terminal error. A task pumps the subgraph stream into
a bounded queue (a slow client slows its subgraph stream down, memory stays bounded); leaving
``events()`` (client disconnect) cancels the pump, which closes the subgraph WebSocket.

Caps: ``subscriptions.max_open`` per process and ``max_per_connection`` per client WebSocket.
A supergraph hot reload ends every open subscription with ``SUBSCRIPTION_SCHEMA_RELOAD``
(Apollo Router's code and message): it was planned against the old supergraph; clients
resubscribe. A subgraph disconnect ends its client stream with the subgraph's error (no
reconnection).

Plugins (:mod:`router.plugins`, the transports hand their endpoint's chain): a subscription is
one request to them. ``on_request``, ``on_operation`` (``@policy``), ``on_plan`` and the
``on_subgraph_request`` of the subgraph subscription run once, in :meth:`SubscriptionService.start`;
a refusal there refuses the subscription (after ``on_response`` saw the refusal, as for a
query). Per event: ``on_subgraph_response``, both subgraph hooks of each entity fetch, and
``on_response`` (:class:`~router.subscriptions.prepared.PreparedSubscription`); a refusal in
``on_response`` ends the stream with its error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

from router.config import SubscriptionSettings
from router.operations import OperationError
from router.plugins.chain import PluginChain, PluginRefusal, PluginRun
from router.request import GraphQLRequest, GraphQLResponse, graphql_error
from router.subscriptions.prepared import PreparedSubscription
from router.subscriptions.upstream import SubgraphStreamError
from servicekit.logging import get_logger

__all__ = [
    "ConnectionSlots",
    "Event",
    "LiveSubscription",
    "SubscriptionRefused",
    "SubscriptionService",
    "operation_kind",
]

_log = get_logger("router.subscriptions")
QUEUE_SIZE = 64
RELOAD_CODE = "SUBSCRIPTION_SCHEMA_RELOAD"
RELOAD_MESSAGE = "subscription has been closed due to a schema reload"
SHUTDOWN_CODE = "SUBSCRIPTION_SERVER_SHUTDOWN"
LIMIT_CODE = "SUBSCRIPTION_LIMIT_EXCEEDED"


class Preparer(Protocol):
    """What the service needs of the gateway."""

    async def prepare_subscription(self, request: GraphQLRequest) -> PreparedSubscription: ...


class SubscriptionRefused(Exception):
    """Refused before anything streamed: ``response`` (request errors, a cap) says why."""

    def __init__(self, response: GraphQLResponse) -> None:
        super().__init__(response.errors[0]["message"] if response.errors else "refused")
        self.response = response


@dataclass(slots=True)
class Event:
    """A response to send (``response``), or the end: ``complete`` (normal) or ``terminal``
    (``response`` holds the errors); ``before_first``: nothing was delivered yet (a refusal)."""

    response: GraphQLResponse | None
    complete: bool = False
    terminal: bool = False
    before_first: bool = False


@dataclass(slots=True)
class ConnectionSlots:
    """The subscriptions open on one client connection (a WebSocket)."""

    limit: int
    open: int = 0


@functools.lru_cache(maxsize=1024)
def _kinds(query: str) -> dict[str | None, str]:
    try:
        document = parse(query, no_location=True)
    except GraphQLSyntaxError:
        return {}
    found: dict[str | None, str] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else None
            found[name] = definition.operation.value
    return found


def operation_kind(query: str, operation_name: str | None) -> str | None:
    """``query``/``mutation``/``subscription`` of the operation to run; None when the document
    does not say (it will then be refused by the usual validation)."""
    kinds = _kinds(query)
    if operation_name is None:
        return next(iter(kinds.values())) if len(kinds) == 1 else None
    return kinds.get(operation_name)


@dataclass(eq=False)
class LiveSubscription:
    prepared: PreparedSubscription
    service: SubscriptionService
    slots: ConnectionSlots | None
    _queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    _pump: asyncio.Task[None] | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    """Headers plugins set for the client (SSE and multipart send them; a WebSocket cannot)."""
    _delivered: bool = False
    _ended: bool = False

    def begin(self) -> None:
        """Open the subgraph stream (the pump); call once, then :meth:`next` until the end
        and :meth:`close` always (a ``finally``: client disconnects end here)."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._run())

    async def next(self, wait_seconds: float | None = None) -> Event | None:
        """The next event; None when ``wait_seconds`` passed without one (time for a
        heartbeat). After a ``complete`` or terminal event there is nothing more."""
        if wait_seconds is None:
            return await self._queue.get()
        try:
            return await asyncio.wait_for(self._queue.get(), wait_seconds)
        except TimeoutError:
            return None

    async def events(self) -> AsyncIterator[Event]:
        """Every event up to the end; closes the subscription when left (early or not)."""
        self.begin()
        try:
            while True:
                event = await self._queue.get()
                yield event
                if event.complete or event.terminal:
                    return
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop the pump (closing the subgraph WebSocket) and free the slots; idempotent."""
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
        self.service.release(self)

    def end(self, message: str, code: str) -> None:
        """End from outside (hot reload, shutdown): drop what is queued, send the reason."""
        if self._ended:
            return
        self._ended = True
        if self._pump is not None:
            self._pump.cancel()
        while not self._queue.empty():
            self._queue.get_nowait()
        error = graphql_error(message, code)
        self._queue.put_nowait(Event(GraphQLResponse(data=None, errors=[error]), terminal=True))

    async def _put(self, event: Event) -> None:
        if self._ended:
            return
        finish = self.service.client_errors
        if finish is not None and event.response is not None and event.response.errors:
            event.response = finish(event.response)  # redaction, as a query's answer gets
        await self._queue.put(event)

    async def _run(self) -> None:
        plugins = self.prepared.plugins
        # the pump is its own task: the plugin run is current for every fetch of every event
        with plugins.current() if plugins is not None else nullcontext():
            await self._pump_events()

    async def _pump_events(self) -> None:
        try:
            async for response in self.prepared.responses():
                await self._put(Event(response))
                self._delivered = True
            await self._put(Event(None, complete=True))
        except PluginRefusal as refused:  # on_response refused an event: the stream ends
            before = not self._delivered
            await self._put(Event(refused.to_response(), terminal=True, before_first=before))
        except SubgraphStreamError as error:
            response = GraphQLResponse(data=None, errors=error.errors)
            await self._put(Event(response, terminal=True, before_first=not self._delivered))
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("subscription failed")
            response = GraphQLResponse(
                data=None, errors=[graphql_error("Internal server error", "INTERNAL_SERVER_ERROR")]
            )
            await self._put(Event(response, terminal=True, before_first=not self._delivered))


class SubscriptionService:
    """Starts, counts and ends the client subscriptions of one router process."""

    def __init__(
        self,
        gateway: Preparer,
        settings: SubscriptionSettings,
        *,
        client_errors: Callable[[GraphQLResponse], GraphQLResponse] | None = None,
    ) -> None:
        self._gateway = gateway
        self.client_errors = client_errors
        """What a client may see of each event's errors (the endpoint's redaction and masking,
        :class:`router.http.redaction.ClientErrors`); None: as they are."""
        self.settings = settings
        self._open: set[LiveSubscription] = set()

    @property
    def open_count(self) -> int:
        return len(self._open)

    def connection_slots(self) -> ConnectionSlots:
        return ConnectionSlots(self.settings.max_per_connection)

    async def start(
        self,
        request: GraphQLRequest,
        slots: ConnectionSlots | None = None,
        *,
        plugins: PluginChain | None = None,
        method: str = "POST",
        path: str = "/graphql",
    ) -> LiveSubscription:
        """Admit ``request`` (a subscription): every check a query gets, the plugins' request
        stages (``plugins``, with the transport's ``method`` and ``path``), then the caps."""
        if not self.settings.enabled:
            raise SubscriptionRefused(
                GraphQLResponse.request_error(
                    "Subscriptions are disabled on this router.", "SUBSCRIPTION_NOT_SUPPORTED"
                )
            )
        run = plugins.begin(request) if plugins is not None else None
        if run is None:
            try:
                prepared = await self._gateway.prepare_subscription(request)
            except OperationError as refused:
                raise SubscriptionRefused(refused.to_response()) from refused
        else:
            prepared = await self._prepare_with(run, request, method, path)
        if slots is not None and slots.open >= slots.limit:
            raise SubscriptionRefused(
                GraphQLResponse.request_error(
                    f"Too many open subscriptions on this connection (at most {slots.limit}).",
                    LIMIT_CODE,
                    status_hint=429,
                )
            )
        if len(self._open) >= self.settings.max_open:
            raise SubscriptionRefused(
                GraphQLResponse.request_error(
                    "Too many open subscriptions on this router (at most "
                    f"{self.settings.max_open}); retry later.",
                    LIMIT_CODE,
                    status_hint=429,
                )
            )
        live = LiveSubscription(prepared, self, slots)
        if run is not None:
            live.response_headers = dict(run.context.response_headers)
        self._open.add(live)
        if slots is not None:
            slots.open += 1
        return live

    async def _prepare_with(
        self, run: PluginRun, request: GraphQLRequest, method: str, path: str
    ) -> PreparedSubscription:
        """The request stages with ``run`` current: ``on_request``, the gateway's preparation
        (its ``on_operation`` and ``on_plan`` hook points), the subgraph subscription's
        ``on_subgraph_request``; a refusal (a plugin's, or a request error) goes through
        ``on_response`` and is raised as :class:`SubscriptionRefused`."""
        with run.current():
            try:
                request = await run.received(request, method, path)
                prepared = await self._gateway.prepare_subscription(request)
                if run.chain.subgraph_request:
                    headers, body = await run.subgraph_request(
                        prepared.primary.service_name,
                        prepared.upstream_url,
                        dict(prepared.upstream_headers),
                        prepared.upstream_payload(),
                    )
                    prepared = replace(prepared, upstream_headers=headers, upstream_body=body)
                return replace(prepared, plugins=run)
            except PluginRefusal as refused:
                response = refused.to_response()
            except OperationError as refused:
                response = refused.to_response()
            try:
                response = await run.respond(response)
            except PluginRefusal as refused:
                response = refused.to_response()
        added = run.context.response_headers
        if added:
            response = replace(response, headers={**response.headers, **added})
        raise SubscriptionRefused(response)

    def release(self, live: LiveSubscription) -> None:
        if live in self._open:
            self._open.discard(live)
            if live.slots is not None:
                live.slots.open -= 1

    def end_all(self, message: str = RELOAD_MESSAGE, code: str = RELOAD_CODE) -> None:
        """End every open subscription with a reason (default: a supergraph hot reload)."""
        ended = list(self._open)
        for live in ended:
            live.end(message, code)
        if ended:
            _log.info("subscriptions.ended", count=len(ended), code=code)

    async def shutdown(self) -> None:
        self.end_all("the router is shutting down", SHUTDOWN_CODE)

    def stats(self) -> dict[str, Any]:
        return {"open": len(self._open)}
