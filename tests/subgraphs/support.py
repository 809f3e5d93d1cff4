"""In-process subgraphs for tests: a seeded store (SQLite file or PostgreSQL), the real ASGI app
through httpx's ASGI transport, and a counter of the SQL statements it runs. Requests can carry a
signed identity (:func:`signed`, the router's format) under :data:`SECRET`, which the in-process
app is given for its lifetime."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import event

from servicekit.auth.forwarded import sign_identity
from subgraphs import registry
from subgraphs.common.db import Database
from subgraphs.seeding import SeedData

__all__ = ["ADMIN", "SECRET", "InProcessSubgraph", "SqlCounter", "in_process", "signed"]

SECRET = "subgraph-tests-identity-secret"
ADMIN = ("orders:admin", "users:admin")
"""Scopes that read every user's personal fields and orders (the owner checks' exception)."""


def signed(body: bytes, user_id: str, scopes: tuple[str, ...] = ()) -> dict[str, str]:
    """JSON headers with ``user_id``'s identity signed for ``body``, as the router sends them."""
    return {"content-type": "application/json", **sign_identity(SECRET, user_id, scopes, body=body)}


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
        *,
        as_user: str | None = None,
        scopes: tuple[str, ...] = ADMIN,
    ) -> dict[str, Any]:
        """POST ``query``; signed as ``as_user`` (by default with the :data:`ADMIN` scopes)."""
        body = orjson.dumps({"query": query, "variables": variables or {}})
        sent = {"content-type": "application/json", **(headers or {})}
        if as_user is not None:
            sent |= signed(body, as_user, scopes)
        response = await self.client.post("/graphql", content=body, headers=sent)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def entities(
        self, representations: list[dict[str, Any]], selection: str, **signing: Any
    ) -> Any:
        query = (
            "query($r: [_Any!]!) { _entities(representations: $r) { __typename "
            + selection
            + " } }"
        )
        return await self.query(query, {"r": representations}, **signing)


@asynccontextmanager
async def in_process(name: str, url: str, data: SeedData) -> AsyncIterator[InProcessSubgraph]:
    subgraph = registry.get(name)
    db = subgraph.create_database(url)
    await subgraph.seed(db, data)
    app = subgraph.create_app(db)
    counter = SqlCounter()
    counter.attach(db)
    previous = os.environ.get("IDENTITY_HMAC_SECRET")
    os.environ["IDENTITY_HMAC_SECRET"] = SECRET
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            startup = getattr(app.state, "startup_tasks", [])
            if startup:  # their statements must not count as the test's
                await asyncio.wait(startup, timeout=30)
            yield InProcessSubgraph(db, client, counter)
    finally:
        if previous is None:
            os.environ.pop("IDENTITY_HMAC_SECRET", None)
        else:
            os.environ["IDENTITY_HMAC_SECRET"] = previous
