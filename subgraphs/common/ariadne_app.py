"""Ariadne subgraphs: a schema-first Federation v2 schema (serving the cleaned SDL) mounted at
``/graphql`` as an ASGI app with a per-request context."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ariadne import ScalarType
from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLHTTPHandler
from ariadne.contrib.federation import make_federated_schema
from ariadne.types import SchemaBindable
from fastapi import FastAPI
from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from subgraphs.common.cache_control import CacheControlHeaders, CacheHints
from subgraphs.common.clock import isoformat_utc
from subgraphs.common.entities import guard_entities
from subgraphs.common.sdl import serve_sdl

__all__ = ["ariadne_mount", "ariadne_schema", "datetime_scalar"]

datetime_scalar = ScalarType("DateTime", serializer=isoformat_utc)


class _HTTPHandler(GraphQLHTTPHandler):
    """GraphQL over HTTP: once execution started (``data`` present, even ``null``) the status is
    200; Ariadne answers 400 for ``data: null`` (a non-null root field that failed)."""

    async def create_json_response(
        self, request: Request, result: dict[str, Any], success: bool
    ) -> Response:
        status = HTTPStatus.OK if success or "data" in result else HTTPStatus.BAD_REQUEST
        return JSONResponse(result, status_code=status)


def ariadne_schema(sdl_file: Path, *bindables: SchemaBindable) -> GraphQLSchema:
    """``make_federated_schema`` over a ``.graphql`` file that ``@link``s federation v2."""
    type_defs = sdl_file.read_text()
    schema = make_federated_schema(type_defs, *bindables)
    guard_entities(schema, serve_sdl(schema, type_defs))
    return schema


def ariadne_mount(
    schema: GraphQLSchema, context: Callable[[Request], dict[str, Any]]
) -> Callable[[FastAPI], None]:
    """``context`` builds a fresh context dict (request, store, loaders) for each request."""

    def context_value(request: Request, _data: Any) -> dict[str, Any]:
        return context(request)

    def mount(app: FastAPI) -> None:
        graphql_app = GraphQL(schema, context_value=context_value, http_handler=_HTTPHandler())
        app.add_route("/graphql", graphql_app, methods=["GET", "POST"])  # type: ignore[arg-type]
        # issue #17: Cache-Control from the schema's @cacheControl hints (Apollo Server's)
        app.add_middleware(CacheControlHeaders, hints=CacheHints.from_schema(schema))

    return mount
