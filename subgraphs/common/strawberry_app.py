"""Strawberry subgraphs: build the federation schema (serving the cleaned SDL) and mount it at
``/graphql`` with a per-request context."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import FastAPI
from strawberry import UNSET
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema
from strawberry.printer import print_schema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from subgraphs.common.cache_control import CacheControlHeaders, CacheHints
from subgraphs.common.entities import guard_entities
from subgraphs.common.sdl import serve_sdl

__all__ = ["federation_schema", "given", "strawberry_mount"]

FEDERATION_VERSION = "2.7"
T = TypeVar("T")


def federation_schema(
    query: type | None,
    mutation: type | None = None,
    types: Iterable[type] = (),
    subscription: type | None = None,
) -> Schema:
    """A Federation v2 schema whose ``_service { sdl }`` omits federation's own additions."""
    schema = Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        federation_version=FEDERATION_VERSION,  # type: ignore[arg-type]
    )
    sdl = serve_sdl(schema._schema, print_schema(schema))
    guard_entities(schema._schema, sdl)
    return schema


def given(value: T | None) -> T | None:
    """An optional argument declared ``= strawberry.UNSET`` (printed without the ``= null``
    default Strawberry gives ``= None``) as a plain ``None`` when absent."""
    return None if value is UNSET else value


def strawberry_mount(schema: Schema, context: Callable[[], Any]) -> Callable[[FastAPI], None]:
    """``context`` builds a fresh context (store handle, loaders) for each request (for a
    subscription WebSocket: once per connection). Subscriptions are served over
    graphql-transport-ws only (the protocol the router speaks to subgraphs, issue #16)."""

    async def context_getter() -> Any:
        return context()

    def mount(app: FastAPI) -> None:
        router = GraphQLRouter(
            schema,
            context_getter=context_getter,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        app.include_router(router, prefix="/graphql")
        # issue #17: Cache-Control from the schema's @cacheControl hints (Apollo Server's)
        hints = CacheHints.from_sdl(schema._schema, print_schema(schema))
        app.add_middleware(CacheControlHeaders, hints=hints)

    return mount
