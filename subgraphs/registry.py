"""The six subgraphs by name: how to build each one's app, store, seed and schema.

Modules are imported on demand, so ``subgraph serve accounts`` never imports Ariadne.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from fastapi import FastAPI
from graphql import GraphQLSchema, graphql

from subgraphs.common.db import Database
from subgraphs.seeding import SeedData

__all__ = ["SUBGRAPHS", "Subgraph", "get", "service_sdl"]

SUBGRAPHS = ("accounts", "products", "inventory", "reviews", "orders", "payments")


@dataclass(frozen=True)
class Subgraph:
    """One subgraph's entry points."""

    name: str

    def _module(self, leaf: str) -> Any:
        return importlib.import_module(f"subgraphs.{self.name}.{leaf}")

    def create_app(self, database: Database | None = None) -> FastAPI:
        """The ASGI app, over ``database`` or the configured store."""
        return cast(FastAPI, self._module("app").create_app(database))

    def create_database(self, url: str | None = None) -> Database:
        return cast(Database, self._module("app").create_database(url))

    @property
    def seed(self) -> Callable[[Database, SeedData], Awaitable[dict[str, int]]]:
        return cast(
            Callable[[Database, SeedData], Awaitable[dict[str, int]]], self._module("seed").seed
        )

    def graphql_schema(self) -> GraphQLSchema:
        schema = self._module("schema").schema
        return schema if isinstance(schema, GraphQLSchema) else schema._schema


def get(name: str) -> Subgraph:
    if name not in SUBGRAPHS:
        raise KeyError(f"unknown subgraph {name!r}; one of {', '.join(SUBGRAPHS)}")
    return Subgraph(name)


async def service_sdl(name: str) -> str:
    """What the subgraph answers to ``{ _service { sdl } }`` (executed, not printed)."""
    result = await graphql(get(name).graphql_schema(), "{ _service { sdl } }")
    if result.errors or not result.data:
        raise RuntimeError(f"{name}: _service failed: {result.errors}")
    return str(result.data["_service"]["sdl"])
