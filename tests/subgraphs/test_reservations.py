"""Inventory reservations straight on the store, on PostgreSQL: concurrent calls with one key
take stock once; release gives it back once; a released key reserves again."""

from __future__ import annotations

import asyncio

import pytest

from subgraphs import registry
from subgraphs.common.db import Database
from subgraphs.inventory import reservations
from subgraphs.inventory.models import Stock
from subgraphs.seeding import SeedSizes, generate

pytestmark = pytest.mark.postgres
DATA = generate(SeedSizes(users=2, products=3, reviews_per_product=0, orders_per_user=0))


async def _quantity(db: Database, upc: str) -> int:
    async with db.session() as session:
        stock = await session.get(Stock, upc)
        return stock.quantity if stock else -1


async def test_reserve_and_release_are_idempotent_under_concurrency(postgres_url: str) -> None:
    inventory = registry.get("inventory")
    db = inventory.create_database(postgres_url)
    try:
        await inventory.seed(db, DATA)
        upc = DATA.stock[0].upc
        before = await _quantity(db, upc)
        results = await asyncio.gather(
            *(reservations.reserve(db, "k1", [(upc, 2)]) for _ in range(8))
        )
        assert results == [reservations.Reservation("k1", "RESERVED", [(upc, 2)])] * 8
        assert await _quantity(db, upc) == before - 2
        released = await asyncio.gather(*(reservations.release(db, "k1") for _ in range(4)))
        assert released == [reservations.Reservation("k1", "RELEASED", [(upc, 2)])] * 4
        assert await _quantity(db, upc) == before
        again = await reservations.reserve(db, "k1", [(upc, 2)])
        assert again == reservations.Reservation("k1", "RESERVED", [(upc, 2)])
        assert await _quantity(db, upc) == before - 2
        assert await reservations.release(db, "unknown") is None
        with pytest.raises(reservations.OutOfStockError) as error:
            await reservations.reserve(db, "k2", [(upc, before)])
        assert error.value.upcs == [upc]
        assert await _quantity(db, upc) == before - 2
        assert await reservations.find(db, "k2") is None
    finally:
        await db.dispose()


async def test_unconfirmed_reservations_expire_and_a_reused_key_is_a_conflict(
    postgres_url: str,
) -> None:
    """Issue #11: a reservation whose order never came is released by the sweeper; a confirmed
    one is kept; the same key with other items is refused, not answered with the first."""
    inventory = registry.get("inventory")
    db = inventory.create_database(postgres_url)
    try:
        await inventory.seed(db, DATA)
        upc, other = DATA.stock[0].upc, DATA.stock[1].upc
        before = await _quantity(db, upc)
        await reservations.reserve(db, "orphan", [(upc, 1)])
        await reservations.reserve(db, "placed", [(upc, 2)])
        confirmed = await reservations.confirm(db, "placed")
        assert confirmed == reservations.Reservation("placed", "CONFIRMED", [(upc, 2)])
        with pytest.raises(reservations.IdempotencyConflictError):
            await reservations.reserve(db, "placed", [(other, 2)])
        assert await reservations.sweep(db, ttl_seconds=60) == 0  # nothing old enough yet
        await asyncio.sleep(1.1)  # timestamps are stored to the second
        assert await reservations.sweep(db, ttl_seconds=0.5) == 1
        assert await reservations.find(db, "orphan") == reservations.Reservation(
            "orphan", "RELEASED", [(upc, 1)]
        )
        assert await _quantity(db, upc) == before - 2
        # a late confirmation of a released reservation takes the stock again
        late = await reservations.confirm(db, "orphan")
        assert late == reservations.Reservation("orphan", "CONFIRMED", [(upc, 1)])
        assert await _quantity(db, upc) == before - 3
        assert await reservations.confirm(db, "unknown") is None
    finally:
        await db.dispose()
