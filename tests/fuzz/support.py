"""Shared by the fuzz tests: the API schema, sending a drawn request, the settings profile."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import httpx
from graphql import GraphQLSchema, parse, validate
from hypothesis import HealthCheck, settings

from router.supergraph.loader import load_supergraph
from servicekit.topology import PROJECT_ROOT
from tests.fuzz.documents import Operation
from tests.fuzz.properties import media_type_of
from tests.fuzz.requests import RawRequest

__all__ = [
    "CSRF_HEADERS",
    "api_schema",
    "fuzz_settings",
    "is_graphiql_page",
    "post_operation",
    "self_check",
    "send",
]

CSRF_HEADERS = {"apollo-require-preflight": "true"}


SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
"""``FUZZ_SCALE=10`` for a longer local run; CI uses the committed counts (scale 1)."""
EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"
"""``FUZZ_EXPLORE=1``: random (not derandomized) examples, to look beyond CI's fixed ones."""


def fuzz_settings(max_examples: int) -> Any:
    """Reproducible CI runs: derandomized, no example database, no deadline (loaded machine)."""
    return settings(
        max_examples=max(1, int(max_examples * SCALE)),
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@cache
def api_schema() -> GraphQLSchema:
    sdl = (PROJECT_ROOT / "schema" / "supergraph.graphql").read_text()
    return load_supergraph(sdl).api_schema


def self_check(schema: GraphQLSchema, operation: Operation) -> None:
    """A generated 'valid' operation must validate here first (a generator bug is not a server's)."""
    errors = validate(schema, parse(operation.query))
    assert not errors, f"generator produced an invalid document: {errors} {operation.query}"


def post_operation(
    client: httpx.Client, url: str, operation: Operation, accept: str | None = None
) -> httpx.Response:
    payload: dict[str, Any] = {"query": operation.query}
    if operation.variables:
        payload["variables"] = operation.variables
    if operation.operation_name:
        payload["operationName"] = operation.operation_name
    headers = {"accept": accept} if accept else {}
    return client.post(url, json=payload, headers=headers)


def is_graphiql_page(request: RawRequest, response: httpx.Response) -> bool:
    """A browser's GET without ``query`` gets the GraphiQL page (development mode): not an API answer."""
    no_query = request.method == "GET" and "query" not in (request.params or {})
    return no_query and media_type_of(response) == "text/html"


def send(client: httpx.Client, url: str, request: RawRequest) -> httpx.Response:
    return client.request(
        request.method, url, headers=request.headers, params=request.params, content=request.body()
    )
