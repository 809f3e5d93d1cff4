"""A fresh PostgreSQL database per test (real server at 127.0.0.1:5432, trust auth, user postgres)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

POSTGRES_ADMIN_DSN = os.environ.get(
    "TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _run(statement: str) -> None:
    asyncio.run(_admin(statement))


@contextmanager
def temporary_postgres_database(prefix: str = "test") -> Iterator[str]:
    """Create a uniquely named database, yield its SQLAlchemy asyncpg URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _run(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        _run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
