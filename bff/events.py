"""The BFFs' cache invalidation from events (issue #15): stock, price and order-status changes
made anywhere (a saga confirming, an admin price update, the reservation sweeper) invalidate
the cache tags the BFF's own ``placeOrder`` invalidates (``Product:<upc>``,
``UserOrders:<user>``), instead of waiting for the entries' TTL.

Invalidation is idempotent, so these consumers need no inbox: a redelivered event invalidates
again. Each BFF is its own consumer group (``bff_web``, ``bff_mobile``); the cache is shared,
so either would do, both keep working when one is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bff.cache import RedisCache
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

__all__ = ["CacheInvalidation"]

_log = get_logger("bff.events")


def tags_of(data: Any) -> list[str]:
    """The cache tags an event makes stale."""
    try:
        event = parse(data)
    except (UnknownEventError, ValueError):
        return []
    if isinstance(event, StockChanged | PriceChanged):
        return [f"Product:{event.upc}"]
    if isinstance(event, OrderStatusChanged):
        return [f"UserOrders:{event.buyer_id}", *(f"Product:{upc}" for upc in event.upcs)]
    return []


class CacheInvalidation:
    def __init__(self, cache: RedisCache, group: str, settings: EventSettings | None = None):
        settings = settings or EventSettings()
        self.cache = cache
        self.bus = EventBus(settings.broker_url, settings.namespace)
        self.invalidations = 0
        self.started = asyncio.Event()
        for contract in (StockChanged, PriceChanged, OrderStatusChanged):
            self.bus.subscribe(contract.TYPE, group, self._handler())

    def _handler(self) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def handle(data: dict[str, Any]) -> None:
            tags = tags_of(data)
            if tags:
                await self.cache.invalidate_tags(tags)
                self.invalidations += 1

        return handle

    async def run(self) -> None:
        """Connect, retrying while the broker is down (the BFF serves meanwhile: TTLs bound
        staleness)."""
        await self.bus.start_when_available(_log, "bff.events_unavailable")
        self.started.set()

    async def stop(self) -> None:
        if self.started.is_set():
            await self.bus.stop()
