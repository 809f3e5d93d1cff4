"""In-process subgraphs for tests: a seeded store (SQLite file or PostgreSQL), the real ASGI app
through httpx's ASGI transport, and a counter of the SQL statements it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event

from subgraphs import registry
from subgraphs.common.db import Database
from subgraphs.seeding import SeedData

__all__ = ["InProcessSubgraph", "SqlCounter", "in_process"]


@dataclass
class SqlCounter:
    """Every statement sent to the database (``before_cursor_execute``)."""

    statements: list[str] = field(default_factory=list)

    def attach(self, db: Database) -> None:
        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            self.statements.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


@dataclass
class InProcessSubgraph:
    db: Database
    client: httpx.AsyncClient
    sql: SqlCounter

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def entities(self, representations: list[dict[str, Any]], selection: str) -> Any:
        query = (
            "query($r: [_Any!]!) { _entities(representations: $r) { __typename "
            + selection
            + " } }"
        )
        return await self.query(query, {"r": representations})


@asynccontextmanager
async def in_process(name: str, url: str, data: SeedData) -> AsyncIterator[InProcessSubgraph]:
    subgraph = registry.get(name)
    db = subgraph.create_database(url)
    await subgraph.seed(db, data)
    app = subgraph.create_app(db)
    counter = SqlCounter()
    counter.attach(db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield InProcessSubgraph(db, client, counter)
