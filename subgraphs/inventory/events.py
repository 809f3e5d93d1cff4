"""Inventory's side of the order saga: it answers orders' commands (issue #15), each handled once
per event id (servicekit.events inbox) in one transaction with its reply (outbox).

- ``ReserveStock``: a new key is reserved if every line has stock (``StockReserved``), else
  nothing changes (``StockReservationFailed`` with the short UPCs). The same key again (the saga
  resends unanswered commands) answers the same outcome without taking stock twice.
- ``ReleaseStock``: compensation; gives a ``RESERVED`` reservation back (unknown or already
  released keys: nothing to do).
- ``ConfirmStock``: the order is confirmed; the reservation no longer expires.

Every stock change writes ``StockChanged`` (subgraphs/inventory/reservations.py).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.events import outbox
from servicekit.events.contracts import (
    ConfirmStock,
    ReleaseStock,
    ReserveStock,
    StockReservationFailed,
    StockReserved,
)
from servicekit.events.runtime import EventRuntime
from subgraphs.inventory import reservations
from subgraphs.inventory.models import CONFIRMED, RELEASED, RESERVED

__all__ = ["subscribe"]


def subscribe(runtime: EventRuntime) -> None:
    runtime.on(ReserveStock, on_reserve)
    runtime.on(ReleaseStock, on_release)
    runtime.on(ConfirmStock, on_confirm)


async def on_reserve(session: AsyncSession, event: ReserveStock) -> None:
    totals: Counter[str] = Counter()
    for line in event.lines:
        totals[line.upc] += line.quantity
    items = sorted(totals.items())
    key, order_id = event.reservation_key, event.order_id
    correlation = event.correlation_id

    def reserved() -> StockReserved:
        return StockReserved(order_id=order_id, reservation_key=key, correlation_id=correlation)

    def failed(reason: str, upcs: list[str]) -> StockReservationFailed:
        return StockReservationFailed(
            order_id=order_id,
            reservation_key=key,
            reason=reason,
            upcs=upcs,
            correlation_id=correlation,
        )

    existing = await reservations.find_in(session, key)
    if existing is not None:
        if existing.status in (RESERVED, CONFIRMED):
            outbox.add(session, reserved())
        else:
            outbox.add(session, failed("the reservation was released", []))
        return
    short = await reservations.short_of(session, items)
    if short:
        reason = f"out of stock: {', '.join(short)}"
        outbox.add(session, failed(reason, short))
        return
    # A concurrent reservation may take the stock between the check and here (PostgreSQL):
    # OutOfStockError rolls this transaction back and the consumer retries, then sees it short.
    await reservations.insert_reservation(session, key, items)
    outbox.add(session, reserved())


async def on_release(session: AsyncSession, event: ReleaseStock) -> None:
    existing = await reservations.find_in(session, event.reservation_key)
    if existing is None or existing.status != RESERVED:
        return
    if await reservations.set_status(session, event.reservation_key, RESERVED, RELEASED):
        await reservations.give_back(session, existing.items)


async def on_confirm(session: AsyncSession, event: ConfirmStock) -> None:
    existing = await reservations.find_in(session, event.reservation_key)
    if existing is None:
        return
    if existing.status == RELEASED:  # expired before the order confirmed: take it again
        if await reservations.set_status(session, event.reservation_key, RELEASED, CONFIRMED):
            await reservations.take(session, existing.items)
        return
    await reservations.set_status(session, event.reservation_key, RESERVED, CONFIRMED)
