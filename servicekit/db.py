"""One async SQLAlchemy engine per service store: SQLite by default, any URL by configuration.

The schema is created on start-up (``create_all`` of the domain's own tables only, since every
SQLModel table shares one metadata object), or, for a store with Alembic migrations
(:mod:`servicekit.migrations`), created or upgraded to the head revision; ``ping`` is the
``/ready`` probe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel

from servicekit.migrations import Migrations

__all__ = ["Database"]


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside one writer; a busy timeout makes writers wait, not fail."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


class Database:
    """The engine, a session factory and the tables this store owns."""

    def __init__(
        self, url: str, tables: Sequence[type[SQLModel]], migrations: Migrations | None = None
    ) -> None:
        self.url = url
        self.migrations = migrations
        self.engine = _create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.tables: list[Table] = [model.__table__ for model in tables]  # type: ignore[attr-defined]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def create_schema(self) -> None:
        async with self.engine.begin() as connection:
            if self.migrations is not None:
                await connection.run_sync(self.migrations.apply, self.tables)
            else:
                await connection.run_sync(SQLModel.metadata.create_all, tables=self.tables)

    async def ping(self) -> Mapping[str, Any]:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"dialect": self.engine.dialect.name}

    async def dispose(self) -> None:
        await self.engine.dispose()
