"""The federation entity batching helper: N keys, one SQL statement, answers in key order.

``_entities`` with N representations of a type and every nested list (``User.reviews``,
``Order.items`` ...) go through per-request aiodataloader loaders built here, so the statement
count of a request does not grow with the number of keys (ARCHITECTURE "No N+1 anywhere").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from subgraphs.common import telemetry
from subgraphs.common.db import Database

__all__ = [
    "WindowKey",
    "entity_loader",
    "group_loader",
    "load_by_keys",
    "load_groups",
    "load_windows",
    "window_loader",
]

M = TypeVar("M")
# A mapped column (``col(Model.field)``); SQLModel types it as ``Mapped[...]``.
Column = Any
K = TypeVar("K", bound=Hashable)

# (partition key, how many rows, only rows whose order column is greater than this or None)
WindowKey = tuple[Any, int, Any]


async def load_by_keys(
    db: Database, model: type[M], column: Column, keys: Sequence[K]
) -> list[M | None]:
    """One ``IN`` query; the result follows ``keys``' order, ``None`` where a key is unknown."""
    unique = list(dict.fromkeys(keys))
    if not unique:
        return []
    async with db.session() as session:
        rows = (await session.scalars(select(model).where(column.in_(unique)))).all()
    by_key = {getattr(row, column.key): row for row in rows}
    return [by_key.get(key) for key in keys]


async def load_groups(
    db: Database,
    model: type[M],
    column: Column,
    keys: Sequence[K],
    order_by: Column,
) -> list[list[M]]:
    """One ``IN`` query for a one-to-many relation; every key gets its (possibly empty) list."""
    unique = list(dict.fromkeys(keys))
    if not unique:
        return []
    statement = select(model).where(column.in_(unique)).order_by(order_by)
    async with db.session() as session:
        rows = (await session.scalars(statement)).all()
    groups: dict[Any, list[M]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, column.key)].append(row)
    return [groups.get(key, []) for key in keys]


async def load_windows(
    db: Database,
    model: type[M],
    partition: Column,
    order: Column,
    keys: Sequence[WindowKey],
) -> list[list[M]]:
    """The first ``n`` rows per partition after a cursor: one window-function query per
    distinct ``(n, after)`` pair, however many partitions are asked for."""
    by_page: dict[tuple[int, Any], list[Any]] = defaultdict(list)
    for partition_key, first, after in keys:
        by_page[(first, after)].append(partition_key)
    found: dict[WindowKey, list[M]] = {}
    async with db.session() as session:
        for (first, after), partition_keys in by_page.items():
            unique = list(dict.fromkeys(partition_keys))
            row_number = func.row_number().over(partition_by=partition, order_by=order)
            inner = select(model, row_number.label("row_number")).where(partition.in_(unique))
            if after is not None:
                inner = inner.where(order > after)
            subquery = inner.subquery()
            alias = aliased(model, subquery)
            statement = (
                select(alias)
                .where(subquery.c.row_number <= first)
                .order_by(subquery.c[partition.key], subquery.c.row_number)
            )
            for row in (await session.scalars(statement)).all():
                found.setdefault((getattr(row, partition.key), first, after), []).append(row)
    return [found.get(key, []) for key in keys]


def entity_loader(db: Database, model: type[M], column: Column) -> DataLoader[Any, M | None]:
    """A per-request loader of rows by a unique column (an entity key)."""

    async def batch(keys: list[Any]) -> list[M | None]:
        with telemetry.resolver_batch(model.__name__, len(keys)):
            return await load_by_keys(db, model, column, keys)

    return DataLoader(batch)


def group_loader(
    db: Database,
    model: type[M],
    column: Column,
    order_by: Column,
) -> DataLoader[Any, list[M]]:
    """A per-request loader of all child rows per parent key."""

    async def batch(keys: list[Any]) -> list[list[M]]:
        with telemetry.resolver_batch(model.__name__, len(keys)):
            return await load_groups(db, model, column, keys, order_by)

    return DataLoader(batch)


def window_loader(
    db: Database,
    model: type[M],
    partition: Column,
    order: Column,
) -> DataLoader[WindowKey, list[M]]:
    """A per-request loader of one page of child rows per parent key."""

    async def batch(keys: list[WindowKey]) -> list[list[M]]:
        with telemetry.resolver_batch(model.__name__, len(keys)):
            return await load_windows(db, model, partition, order, keys)

    return DataLoader(batch)
