"""Insert the reviews part of the generated demo data."""

from __future__ import annotations

from dataclasses import asdict

from subgraphs.common.db import Database
from subgraphs.common.seed import replace_rows
from subgraphs.reviews.models import Review
from subgraphs.seeding import SeedData

__all__ = ["seed"]


async def seed(db: Database, data: SeedData) -> dict[str, int]:
    return await replace_rows(db, [(Review, [asdict(r) for r in data.reviews])])
