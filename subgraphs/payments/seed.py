"""Insert the payments part of the generated demo data (one payment per seeded order)."""

from __future__ import annotations

from dataclasses import asdict

from subgraphs.common.db import Database
from subgraphs.common.seed import replace_rows
from subgraphs.payments.models import Payment
from subgraphs.seeding import SeedData

__all__ = ["seed"]


async def seed(db: Database, data: SeedData) -> dict[str, int]:
    return await replace_rows(db, [(Payment, [asdict(p) for p in data.payments])])
