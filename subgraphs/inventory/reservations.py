"""Reserve and release stock, idempotent by key (no GraphQL here).

Every transaction *writes first* (insert the reservation, or flip its status), so on SQLite the
write lock is taken before anything is read (no lock upgrade, so no SQLITE_BUSY deadlock) and on
PostgreSQL a concurrent duplicate key waits for the first transaction, then sees its outcome.
Stock is decremented with ``quantity >= wanted`` guards, so it never goes negative.

A reservation nobody confirms (its order was never stored: the orders process died, or lost its
reply) expires: :func:`sweep` releases ``RESERVED`` reservations older than the time-to-live, so a
saga interrupted half-way leaves no stock behind. The same key with other items is a conflict
(:class:`IdempotencyConflictError`), never a silent replay of the first reservation.

Every change of stock writes ``StockChanged`` (the new quantity) to the outbox in the same
transaction (issue #15), whoever changed it: the saga's commands (subgraphs/inventory/events.py),
the signed mutations or the sweeper.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from servicekit.events import outbox
from servicekit.events.contracts import StockChanged
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.inventory.models import (
    CONFIRMED,
    RELEASED,
    RESERVED,
    Stock,
    StockReservation,
    StockReservationItem,
)

__all__ = [
    "IdempotencyConflictError",
    "InvalidReservationError",
    "OutOfStockError",
    "Reservation",
    "confirm",
    "find",
    "find_in",
    "give_back",
    "insert_reservation",
    "release",
    "reserve",
    "set_status",
    "short_of",
    "sweep",
    "take",
]


class OutOfStockError(Exception):
    """Some items do not have enough stock; nothing was reserved."""

    def __init__(self, upcs: Sequence[str]) -> None:
        super().__init__(f"out of stock: {', '.join(upcs)}")
        self.upcs = list(upcs)


class InvalidReservationError(ValueError):
    """The request itself is wrong (no items, a non-positive quantity, an empty key)."""


class IdempotencyConflictError(Exception):
    """The key already holds a reservation of other items."""


@dataclass(frozen=True)
class Reservation:
    idempotency_key: str
    status: str
    items: list[tuple[str, int]]


def _merge(items: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    if not items:
        raise InvalidReservationError("a reservation needs at least one item")
    totals: Counter[str] = Counter()
    for upc, quantity in items:
        if quantity <= 0:
            raise InvalidReservationError(f"quantity for {upc} must be positive")
        totals[upc] += quantity
    return sorted(totals.items())


async def _take(session: AsyncSession, items: Sequence[tuple[str, int]]) -> None:
    short = []
    for upc, quantity in items:
        result = await session.execute(
            update(Stock)
            .where(col(Stock.upc) == upc, col(Stock.quantity) >= quantity)
            .values(quantity=col(Stock.quantity) - quantity)
        )
        if getattr(result, "rowcount", 0) != 1:
            short.append(upc)
    if short:
        raise OutOfStockError(short)
    await _stock_changed(session, [upc for upc, _ in items])


async def _give_back(session: AsyncSession, items: Sequence[tuple[str, int]]) -> None:
    for upc, quantity in items:
        await session.execute(
            update(Stock)
            .where(col(Stock.upc) == upc)
            .values(quantity=col(Stock.quantity) + quantity)
        )
    await _stock_changed(session, [upc for upc, _ in items])


async def _stock_changed(session: AsyncSession, upcs: Sequence[str]) -> None:
    statement = select(col(Stock.upc), col(Stock.quantity)).where(col(Stock.upc).in_(upcs))
    for upc, quantity in sorted((await session.execute(statement)).all()):
        outbox.add(session, StockChanged(upc=upc, quantity=quantity))


async def find_in(session: AsyncSession, key: str) -> Reservation | None:
    """:func:`find` inside the caller's transaction."""
    reservation = await session.scalar(
        select(StockReservation).where(col(StockReservation.idempotency_key) == key)
    )
    if reservation is None:
        return None
    items = (
        await session.execute(
            select(col(StockReservationItem.upc), col(StockReservationItem.quantity))
            .where(col(StockReservationItem.reservation_id) == reservation.id)
            .order_by(col(StockReservationItem.upc))
        )
    ).all()
    return Reservation(key, reservation.status, [(upc, qty) for upc, qty in items])


async def short_of(session: AsyncSession, items: Sequence[tuple[str, int]]) -> list[str]:
    """The UPCs among ``items`` without enough stock now (unknown ones included)."""
    statement = select(col(Stock.upc), col(Stock.quantity)).where(
        col(Stock.upc).in_([upc for upc, _ in items])
    )
    available = dict((await session.execute(statement)).all())
    return [upc for upc, quantity in items if available.get(upc, 0) < quantity]


async def insert_reservation(
    session: AsyncSession, key: str, items: Sequence[tuple[str, int]]
) -> None:
    """Insert a ``RESERVED`` reservation and take its stock (``OutOfStockError`` if short: the
    caller's transaction must roll back)."""
    now = utcnow()
    reservation_id = await session.scalar(
        insert(StockReservation)
        .values(idempotency_key=key, status=RESERVED, created_at=now, updated_at=now)
        .returning(col(StockReservation.id))
    )
    await session.execute(
        insert(StockReservationItem),
        [{"reservation_id": reservation_id, "upc": u, "quantity": q} for u, q in items],
    )
    await _take(session, items)


async def set_status(session: AsyncSession, key: str, old: str, new: str) -> bool:
    """Move ``key`` from ``old`` to ``new``; False when it was not ``old``."""
    return await _set_status(session, key, old, new)


async def give_back(session: AsyncSession, items: Sequence[tuple[str, int]]) -> None:
    await _give_back(session, items)


async def take(session: AsyncSession, items: Sequence[tuple[str, int]]) -> None:
    await _take(session, items)


async def find(db: Database, key: str) -> Reservation | None:
    async with db.session() as session:
        return await find_in(session, key)


async def _set_status(session: AsyncSession, key: str, old: str, new: str) -> bool:
    result = await session.execute(
        update(StockReservation)
        .where(col(StockReservation.idempotency_key) == key, col(StockReservation.status) == old)
        .values(status=new, updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def _insert_new(db: Database, key: str, items: list[tuple[str, int]]) -> bool:
    """True when this call created (and took stock for) the reservation."""
    try:
        async with db.session() as session, session.begin():
            await insert_reservation(session, key, items)
    except IntegrityError:
        return False
    return True


async def reserve(db: Database, key: str, items: Sequence[tuple[str, int]]) -> Reservation:
    """Reserve ``items`` under ``key``; the same key again changes nothing and answers the same
    reservation. A released reservation is taken again with its original items."""
    if not key:
        raise InvalidReservationError("idempotencyKey must not be empty")
    merged = _merge(items)
    if not await _insert_new(db, key, merged):
        existing = await find(db, key)
        if existing is None:
            raise RuntimeError(f"reservation {key} vanished")
        if existing.items != merged:
            raise IdempotencyConflictError(f"key {key!r} already reserves other items")
        await _retake(db, existing, RESERVED)
    found = await find(db, key)
    if found is None:
        raise RuntimeError(f"reservation {key} vanished")
    return found


async def _retake(db: Database, existing: Reservation, status: str) -> None:
    """A released reservation takes its stock again (a retry after the sweeper ran)."""
    if existing.status != RELEASED:
        return
    async with db.session() as session, session.begin():
        if await _set_status(session, existing.idempotency_key, RELEASED, status):
            await _take(session, existing.items)


async def confirm(db: Database, key: str) -> Reservation | None:
    """An order holds this reservation: it no longer expires (a released one is taken again,
    or ``OutOfStockError``); ``None`` for an unknown key."""
    existing = await find(db, key)
    if existing is None:
        return None
    await _retake(db, existing, CONFIRMED)
    async with db.session() as session, session.begin():
        await _set_status(session, key, RESERVED, CONFIRMED)
    return await find(db, key)


async def sweep(db: Database, ttl_seconds: float) -> int:
    """Release every unconfirmed reservation last touched more than ``ttl_seconds`` ago;
    returns how many were released."""
    cutoff = utcnow() - timedelta(seconds=ttl_seconds)
    statement = select(col(StockReservation.idempotency_key)).where(
        col(StockReservation.status) == RESERVED, col(StockReservation.updated_at) < cutoff
    )
    async with db.session() as session:
        keys = list((await session.scalars(statement)).all())
    released = 0
    for key in keys:
        existing = await find(db, key)
        if existing is None:
            continue
        async with db.session() as session, session.begin():
            if await _set_status(session, key, RESERVED, RELEASED):
                await _give_back(session, existing.items)
                released += 1
    return released


async def release(db: Database, key: str) -> Reservation | None:
    """Give a reservation's stock back once; ``None`` for an unknown key."""
    existing = await find(db, key)
    if existing is None:
        return None
    async with db.session() as session, session.begin():
        if await _set_status(session, key, RESERVED, RELEASED):
            await _give_back(session, existing.items)
    return await find(db, key)
