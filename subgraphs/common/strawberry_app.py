"""Strawberry subgraphs: build the federation schema (serving the cleaned SDL) and mount it at
``/graphql`` with a per-request context."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema
from strawberry.printer import print_schema

from subgraphs.common.entities import guard_entities
from subgraphs.common.sdl import serve_sdl

__all__ = ["federation_schema", "strawberry_mount"]

FEDERATION_VERSION = "2.7"


def federation_schema(
    query: type | None, mutation: type | None = None, types: Iterable[type] = ()
) -> Schema:
    """A Federation v2 schema whose ``_service { sdl }`` omits federation's own additions."""
    schema = Schema(
        query=query,
        mutation=mutation,
        types=list(types),
        federation_version=FEDERATION_VERSION,  # type: ignore[arg-type]
    )
    sdl = serve_sdl(schema._schema, print_schema(schema))
    guard_entities(schema._schema, sdl)
    return schema


def strawberry_mount(schema: Schema, context: Callable[[], Any]) -> Callable[[FastAPI], None]:
    """``context`` builds a fresh context (store handle, loaders) for each request."""

    async def context_getter() -> Any:
        return context()

    def mount(app: FastAPI) -> None:
        app.include_router(GraphQLRouter(schema, context_getter=context_getter), prefix="/graphql")

    return mount
