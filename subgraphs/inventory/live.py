"""Live stock (issue #16): ``Subscription.stockChanged(upc:)`` and what feeds it.

Every change of a product's stock writes a ``StockChanged`` event in the same transaction
(subgraphs/inventory/reservations.py, issue #15); inventory consumes its own events and publishes
each on topic ``stock:<upc>`` (:mod:`subgraphs.common.live_events`), so whatever changed the
stock (the saga's commands, the signed internal mutations, the sweeper's expiry) reaches the
subscribers of whichever inventory process serves them. The stream starts with the current stock, then one event per change of the quantity (an idempotent
retry that changed nothing is not an event). Stock levels are public (``Product.stockQuantity``),
so anyone may subscribe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from servicekit.events.contracts import StockChanged
from servicekit.events.runtime import EventRuntime
from subgraphs.common import live_events
from subgraphs.common.db import Database
from subgraphs.common.limits import check_length
from subgraphs.inventory.models import Stock

__all__ = ["follow_stock", "stock_stream", "topic"]

MAX_UPC = 64


def topic(upc: str) -> str:
    return f"stock:{upc}"


async def _quantities(db: Database, upcs: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(upcs))
    if not wanted:
        return {}
    async with db.session() as session:
        rows = await session.execute(
            select(col(Stock.upc), col(Stock.quantity)).where(col(Stock.upc).in_(wanted))
        )
        return {upc: quantity for upc, quantity in rows.all()}


def follow_stock(runtime: EventRuntime) -> None:
    """Feed ``stockChanged`` from this service's own ``StockChanged`` events."""

    async def relay(_session: AsyncSession, event: StockChanged) -> None:
        await live_events.publish(topic(event.upc), {"upc": event.upc, "quantity": event.quantity})

    runtime.on(StockChanged, relay)


async def stock_stream(db: Database, upc: str) -> AsyncIterator[tuple[str, int]]:
    """``(upc, quantity)`` now, then at each change; an unknown upc is ``NOT_FOUND``, raised
    before the stream exists (a graphql-transport-ws ``error`` message)."""
    check_length("upc", upc, MAX_UPC)
    events = live_events.current()
    if events is None:
        raise GraphQLError("live events are not configured", extensions={"code": "UNAVAILABLE"})
    if upc not in await _quantities(db, [upc]):
        raise GraphQLError(f"no product {upc!r} in stock records", extensions={"code": "NOT_FOUND"})
    return _follow(db, events, upc)


async def _follow(
    db: Database, events: live_events.LiveEvents, upc: str
) -> AsyncIterator[tuple[str, int]]:
    async with events.subscribe(topic(upc)) as changes:
        last = (await _quantities(db, [upc]))[upc]  # after SUBSCRIBE: no change falls between
        yield upc, last
        async for payload in changes:
            quantity = payload.get("quantity")
            if isinstance(quantity, int) and quantity != last:
                last = quantity
                yield upc, quantity
