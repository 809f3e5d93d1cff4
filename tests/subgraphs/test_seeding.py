"""The seed: deterministic, consistent across domains, and idempotent in every store (SQLite and
PostgreSQL, where sequences continue after the seeded ids)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from subgraphs import registry
from subgraphs.orders.models import Order
from subgraphs.seeding import SeedSizes, generate

SMALL = SeedSizes(users=6, products=5, reviews_per_product=2, orders_per_user=2)


def test_the_same_sizes_give_the_same_rows() -> None:
    assert generate(SMALL) == generate(SMALL)
    data = generate(SMALL)
    assert (
        len(data.users),
        len(data.products),
        len(data.stock),
        len(data.reviews),
        len(data.orders),
    ) == (
        6,
        5,
        5,
        10,
        12,
    )


def test_domains_agree_with_each_other() -> None:
    data = generate()
    users = {u.id: u for u in data.users}
    prices = {p.upc: p.price for p in data.products}
    assert all(r.author_username == users[r.author_id].username for r in data.reviews)
    assert all(i.unit_price == prices[i.product_upc] for i in data.order_items)
    for order in data.orders:
        lines = [i for i in data.order_items if i.order_id == order.id]
        assert order.total == sum(i.quantity * i.unit_price for i in lines)
    assert len({u.username for u in data.users}) == len(data.users)
    # One payment per order, of its total, by its buyer; a cancelled order's was refunded.
    assert [(p.order_id, p.buyer_id, p.amount, p.status) for p in data.payments] == [
        (o.id, o.user_id, o.total, "REFUNDED" if o.status == "CANCELLED" else "CHARGED")
        for o in data.orders
    ]


async def _dump(name: str, url: str) -> dict[str, list[dict[str, Any]]]:
    subgraph = registry.get(name)
    db = subgraph.create_database(url)
    try:
        dump = {}
        async with db.session() as session:
            for table in db.tables:
                rows = (
                    await session.execute(select(table).order_by(*table.primary_key))
                ).mappings()
                dump[table.name] = [dict(row) for row in rows]
        return dump
    finally:
        await db.dispose()


async def _seed(name: str, url: str) -> dict[str, int]:
    subgraph = registry.get(name)
    db = subgraph.create_database(url)
    try:
        return await subgraph.seed(db, generate(SMALL))
    finally:
        await db.dispose()


@pytest.mark.parametrize("name", registry.SUBGRAPHS)
async def test_reseeding_gives_the_same_data_on_sqlite(name: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
    await _seed(name, url)
    first = await _dump(name, url)
    await _seed(name, url)
    assert await _dump(name, url) == first
    if name == "accounts":
        as_rows = [dataclasses.asdict(u) for u in generate(SMALL).users]
        assert first["users"] == as_rows


@pytest.mark.postgres
async def test_reseeding_postgres_keeps_data_and_moves_sequences(postgres_url: str) -> None:
    for name in registry.SUBGRAPHS:
        await _seed(name, postgres_url)
    first = {name: await _dump(name, postgres_url) for name in registry.SUBGRAPHS}
    for name in registry.SUBGRAPHS:
        await _seed(name, postgres_url)
    assert {name: await _dump(name, postgres_url) for name in registry.SUBGRAPHS} == first
    db = registry.get("orders").create_database(postgres_url)
    try:
        async with db.session() as session, session.begin():
            order = Order(
                user_id=1,
                status="PLACED",
                total=1,
                placed_at=generate(SMALL).orders[0].placed_at,
                idempotency_key="after-seed",
            )
            session.add(order)
            await session.flush()
            assert order.id == len(generate(SMALL).orders) + 1
    finally:
        await db.dispose()
