"""Insert the orders part of the generated demo data."""

from __future__ import annotations

from dataclasses import asdict

from subgraphs.common.db import Database
from subgraphs.common.seed import replace_rows
from subgraphs.orders.models import Order, OrderItem, OrderStatusEntry
from subgraphs.seeding import SeedData

__all__ = ["seed"]


async def seed(db: Database, data: SeedData) -> dict[str, int]:
    return await replace_rows(
        db,
        [
            (Order, [asdict(o) for o in data.orders]),
            (OrderItem, [asdict(i) for i in data.order_items]),
            (OrderStatusEntry, []),  # the saga's history of orders the seed replaces
        ],
    )
