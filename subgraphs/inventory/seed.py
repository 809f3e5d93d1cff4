"""Insert the inventory part of the generated demo data (reservations are cleared)."""

from __future__ import annotations

from dataclasses import asdict

from subgraphs.common.db import Database
from subgraphs.common.seed import replace_rows
from subgraphs.inventory.models import Stock, StockReservation, StockReservationItem
from subgraphs.seeding import SeedData

__all__ = ["seed"]


async def seed(db: Database, data: SeedData) -> dict[str, int]:
    return await replace_rows(
        db,
        [
            (Stock, [asdict(s) for s in data.stock]),
            (StockReservation, []),
            (StockReservationItem, []),
        ],
    )
