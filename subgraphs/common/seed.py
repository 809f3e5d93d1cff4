"""Replace a store's demo rows in one transaction: reseeding with the same sizes gives the same
data, including primary keys (and PostgreSQL sequences are moved past them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from subgraphs.common.db import Database

__all__ = ["replace_rows"]

BATCH = 2000


async def _advance_sequence(session: AsyncSession, table: str, column: str) -> None:
    await session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table}), 1), "
            f"(SELECT MAX({column}) FROM {table}) IS NOT NULL)"
        )
    )


async def replace_rows(
    db: Database, rows_by_model: Sequence[tuple[type[SQLModel], Sequence[Mapping[str, Any]]]]
) -> dict[str, int]:
    """Delete every row of the given tables (children first), insert the new ones (parents
    first); returns the row count per table."""
    await db.create_schema()
    counts: dict[str, int] = {}
    async with db.session() as session, session.begin():
        for model, _ in reversed(rows_by_model):
            await session.execute(delete(model))
        for model, rows in rows_by_model:
            table = model.__table__  # type: ignore[attr-defined]
            for start in range(0, len(rows), BATCH):
                await session.execute(insert(model), [dict(r) for r in rows[start : start + BATCH]])
            counts[table.name] = len(rows)
            autoincrement = table.autoincrement_column
            if not db.is_sqlite and autoincrement is not None:
                await _advance_sequence(session, table.name, autoincrement.name)
    return counts
