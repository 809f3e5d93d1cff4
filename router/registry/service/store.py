"""The registry's tables (SQLModel, through :class:`servicekit.db.Database`: SQLite by default,
PostgreSQL or any SQLAlchemy URL by configuration) and the queries the service runs on them.

- ``registry_subgraphs``: the accepted SDL of each subgraph (what the next composition uses);
- ``registry_instances``: the routing URLs each subgraph's replicas registered;
- ``registry_versions``: every accepted supergraph, numbered (the history routers can read);
- ``registry_publishes``: every publish, accepted or not, with its check report;
- ``registry_operations``: the persisted operations a change must not break (Apollo manifests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import UniqueConstraint, delete, func
from sqlmodel import Field, SQLModel, col, select

from router.registry.operations import PersistedOperation
from servicekit.db import Database

__all__ = [
    "TABLES",
    "Current",
    "RegistryStore",
]


def _now() -> datetime:
    return datetime.now(UTC)


class RegistrySubgraph(SQLModel, table=True):
    __tablename__ = "registry_subgraphs"

    name: str = Field(primary_key=True)
    sdl: str
    routing_url: str
    """The URL written into the supergraph's ``join__graph`` (the first replica's)."""
    updated_at: datetime = Field(default_factory=_now)


class RegistryInstance(SQLModel, table=True):
    __tablename__ = "registry_instances"
    __table_args__ = (UniqueConstraint("subgraph", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    subgraph: str = Field(index=True)
    url: str
    registered_at: datetime = Field(default_factory=_now)


class RegistryVersion(SQLModel, table=True):
    __tablename__ = "registry_versions"

    version: int = Field(primary_key=True)
    supergraph_sdl: str
    sha256: str
    subgraph: str
    created_at: datetime = Field(default_factory=_now)


class RegistryPublish(SQLModel, table=True):
    __tablename__ = "registry_publishes"

    id: int | None = Field(default=None, primary_key=True)
    subgraph: str = Field(index=True)
    url: str
    accepted: bool
    version: int | None = None
    report: str
    """The check report as JSON (``CheckReport.as_dict``)."""
    created_at: datetime = Field(default_factory=_now)


class RegistryOperation(SQLModel, table=True):
    __tablename__ = "registry_operations"

    manifest: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    name: str
    type: str
    body: str


TABLES: list[type[SQLModel]] = [
    RegistrySubgraph,
    RegistryInstance,
    RegistryVersion,
    RegistryPublish,
    RegistryOperation,
]


@dataclass(frozen=True)
class Current:
    """The newest accepted supergraph and where each subgraph's replicas answer."""

    version: int
    supergraph_sdl: str
    sha256: str
    routing_urls: dict[str, list[str]]


class RegistryStore:
    """Reads and writes of the registry's tables; one session per call."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def subgraphs(self) -> list[RegistrySubgraph]:
        async with self.database.session() as session:
            rows = await session.execute(
                select(RegistrySubgraph).order_by(col(RegistrySubgraph.name))
            )
            return list(rows.scalars().all())

    async def routing_urls(self) -> dict[str, list[str]]:
        async with self.database.session() as session:
            rows = await session.execute(
                select(RegistryInstance).order_by(col(RegistryInstance.id))
            )
            urls: dict[str, list[str]] = {}
            for row in rows.scalars().all():
                urls.setdefault(row.subgraph, []).append(row.url)
            return urls

    async def current(self) -> Current | None:
        async with self.database.session() as session:
            latest = await session.execute(
                select(RegistryVersion).order_by(col(RegistryVersion.version).desc()).limit(1)
            )
            row = latest.scalars().first()
        if row is None:
            return None
        return Current(row.version, row.supergraph_sdl, row.sha256, await self.routing_urls())

    async def operations(self) -> list[PersistedOperation]:
        async with self.database.session() as session:
            rows = await session.execute(
                select(RegistryOperation).order_by(
                    col(RegistryOperation.manifest), col(RegistryOperation.name)
                )
            )
            return [
                PersistedOperation(r.id, r.name, r.type, r.body, r.manifest)
                for r in rows.scalars().all()
            ]

    async def replace_manifest(self, manifest: str, operations: list[PersistedOperation]) -> None:
        """The operations of one manifest (a client's persisted query list), replaced whole."""
        async with self.database.session() as session:
            await session.execute(
                delete(RegistryOperation).where(col(RegistryOperation.manifest) == manifest)
            )
            session.add_all(
                RegistryOperation(manifest=manifest, id=o.id, name=o.name, type=o.type, body=o.body)
                for o in operations
            )
            await session.commit()

    async def add_instance(self, subgraph: str, url: str) -> bool:
        """Register a replica's URL; ``False`` when it was registered already."""
        async with self.database.session() as session:
            found = await session.execute(
                select(RegistryInstance).where(
                    col(RegistryInstance.subgraph) == subgraph, col(RegistryInstance.url) == url
                )
            )
            if found.scalars().first() is not None:
                return False
            session.add(RegistryInstance(subgraph=subgraph, url=url))
            await session.commit()
            return True

    async def remove_instance(self, subgraph: str, url: str) -> bool:
        async with self.database.session() as session:
            result = await session.execute(
                delete(RegistryInstance).where(
                    col(RegistryInstance.subgraph) == subgraph, col(RegistryInstance.url) == url
                )
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def record_publish(
        self,
        subgraph: str,
        url: str,
        report: dict[str, Any],
        *,
        accepted_sdl: str | None = None,
        supergraph: tuple[str, str] | None = None,
    ) -> int | None:
        """Store one publish; when accepted, the subgraph's SDL and (when the supergraph
        changed) a new version ``(sdl, sha256)``. Returns the new version number, if any."""
        async with self.database.session() as session:
            version: int | None = None
            if accepted_sdl is not None:
                existing = await session.get(RegistrySubgraph, subgraph)
                if existing is None:
                    session.add(RegistrySubgraph(name=subgraph, sdl=accepted_sdl, routing_url=url))
                else:
                    existing.sdl = accepted_sdl
                    existing.updated_at = _now()
                    session.add(existing)
            if supergraph is not None:
                newest = await session.execute(select(func.max(RegistryVersion.version)))
                version = (newest.scalar() or 0) + 1
                sdl, digest = supergraph
                session.add(
                    RegistryVersion(
                        version=version, supergraph_sdl=sdl, sha256=digest, subgraph=subgraph
                    )
                )
            session.add(
                RegistryPublish(
                    subgraph=subgraph,
                    url=url,
                    accepted=accepted_sdl is not None,
                    version=version,
                    report=json.dumps(report),
                )
            )
            await session.commit()
            return version

    async def history(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest publishes first, with their reports."""
        async with self.database.session() as session:
            rows = await session.execute(
                select(RegistryPublish).order_by(col(RegistryPublish.id).desc()).limit(limit)
            )
            return [
                {
                    "id": r.id,
                    "subgraph": r.subgraph,
                    "url": r.url,
                    "accepted": r.accepted,
                    "version": r.version,
                    "createdAt": r.created_at.isoformat(timespec="seconds"),
                    "report": json.loads(r.report),
                }
                for r in rows.scalars().all()
            ]
