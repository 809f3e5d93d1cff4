"""Invalidation of the response cache (issue #17): Apollo Router's invalidation requests over
an authenticated HTTP endpoint, and the domain events that change cached data.

Body (Apollo Router's ``/invalidation``): a JSON list of ``{"kind": "subgraph", "subgraph"}``,
``{"kind": "type", "subgraph", "type"}`` or ``{"kind": "entity", "subgraph", "type", "key"}``;
answered ``{"count": <entries dropped>}``. Authenticated by a shared key in ``Authorization``
(compared in constant time), read from the environment. A root answer may embed an entity
without its key, so an entity or type invalidation also drops the subgraph's root answers
(its ``type-{subgraph}-Query`` tag). Events (servicekit.events, at least once; invalidation
is idempotent, so no inbox): ``PriceChanged`` drops the product in products, ``StockChanged``
in inventory, ``OrderStatusChanged`` the order and its buyer's order list in orders and its products in
inventory (what the
BFFs' own event invalidation does, bff/events.py).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from router.caching.keys import entity_tag, subgraph_tag, type_tag
from router.caching.store import CacheStore
from servicekit.events.bus import EventBus
from servicekit.events.contracts import (
    OrderStatusChanged,
    PriceChanged,
    StockChanged,
    UnknownEventError,
    parse,
)
from servicekit.events.settings import EventSettings
from servicekit.logging import get_logger

__all__ = ["EventInvalidation", "InvalidationEndpoint", "event_requests", "tags_of"]

_log = get_logger("router.caching")


def tags_of(requests: Iterable[Mapping[str, Any]]) -> list[str]:
    """The tags of Apollo Router invalidation requests; ValueError names a malformed one."""
    tags: list[str] = []
    for index, request in enumerate(requests):
        if not isinstance(request, Mapping):
            raise ValueError(f"request {index}: expected an object")
        kind, subgraph = request.get("kind"), request.get("subgraph")
        if not isinstance(subgraph, str) or not subgraph:
            raise ValueError(f"request {index}: 'subgraph' must be a string")
        if kind == "subgraph":
            tags.append(subgraph_tag(subgraph))
            continue
        type_name = request.get("type")
        if not isinstance(type_name, str) or not type_name:
            raise ValueError(f"request {index}: 'type' must be a string")
        if kind == "type":
            tags += [type_tag(subgraph, type_name), type_tag(subgraph, "Query")]
        elif kind == "entity":
            key = request.get("key")
            if not isinstance(key, Mapping) or not key:
                raise ValueError(f"request {index}: 'key' must be a non-empty object")
            tags += [entity_tag(subgraph, type_name, key), type_tag(subgraph, "Query")]
        else:
            raise ValueError(f"request {index}: unknown kind {kind!r}")
    return tags


class InvalidationEndpoint:
    """``POST /invalidation`` (Starlette endpoint)."""

    def __init__(self, store: CacheStore, shared_key: str) -> None:
        self.store = store
        self.shared_key = shared_key.encode()

    async def handle(self, request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, self.shared_key):
            return JSONResponse({"error": "invalid authorization"}, status_code=401)
        try:
            body = orjson.loads(await request.body())
            tags = tags_of(body if isinstance(body, list) else [body])
        except (orjson.JSONDecodeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        count = await self.store.invalidate(tags)
        _log.info("cache.invalidated", tags=len(tags), count=count)
        return JSONResponse({"count": count})


def event_requests(data: Any) -> list[dict[str, Any]]:
    """The invalidation requests a domain event implies."""
    try:
        event = parse(data)
    except (UnknownEventError, ValueError):
        return []
    product = {"kind": "entity", "type": "Product"}
    if isinstance(event, PriceChanged):
        return [{**product, "subgraph": "products", "key": {"upc": event.upc}}]
    if isinstance(event, StockChanged):
        return [{**product, "subgraph": "inventory", "key": {"upc": event.upc}}]
    if isinstance(event, OrderStatusChanged):
        order = {"kind": "entity", "subgraph": "orders", "type": "Order"}
        return [
            {**order, "key": {"id": str(event.order_id)}},
            # the buyer's order list (User.orders in orders) gained or changed an order
            {**order, "type": "User", "key": {"id": str(event.buyer_id)}},
            *({**product, "subgraph": "inventory", "key": {"upc": upc}} for upc in event.upcs),
        ]
    return []


class EventInvalidation:
    """Consumer group ``router-cache`` on the event bus; a replica down is covered by another
    (one shared cache), a broker down by the entries' TTLs."""

    GROUP = "router-cache"

    def __init__(self, store: CacheStore, settings: EventSettings | None = None) -> None:
        settings = settings or EventSettings()
        self.store = store
        self.bus = EventBus(settings.broker_url, settings.namespace)
        self.handled = 0
        self.started = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        for contract in (StockChanged, PriceChanged, OrderStatusChanged):
            self.bus.subscribe(contract.TYPE, self.GROUP, self._handler())

    def _handler(self) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def handle(data: dict[str, Any]) -> None:
            requests = event_requests(data)
            if requests:
                await self.store.invalidate(tags_of(requests))
                self.handled += 1

        return handle

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        await self.bus.start_when_available(_log, "cache.events_unavailable")
        self.started.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.started.is_set():
            await self.bus.stop()
