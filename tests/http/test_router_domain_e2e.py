"""The real ``router`` over the five real, seeded subgraph processes (session ``subgraph_stack``):
GET queries with variables, a mutation over GET, variables of the wrong type for a real
mutation, APQ over GET, whole responses compared."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import REDIS_URL
from tests.http.router_process import RunningRouter, repository_supergraph_sdl, running_router
from tests.http.test_graphql_over_http import GRJ, JSON

pytestmark = pytest.mark.e2e

PLACE = "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"
TOP = "query Top($n: Int) { topProducts(first: $n) { upc name } }"
TOP_2 = {
    "data": {
        "topProducts": [
            {"upc": "100000000001", "name": "Marble Chair"},
            {"upc": "100000000002", "name": "Linen Table"},
        ]
    }
}


def whole(response: httpx.Response) -> tuple[int, str | None, Any]:
    return response.status_code, response.headers.get("content-type"), response.json()


@pytest.fixture(scope="module")
def router(
    tmp_path_factory: pytest.TempPathFactory, subgraph_stack: dict[str, str]
) -> Iterator[RunningRouter]:
    workdir = tmp_path_factory.mktemp("router-domain")
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(repository_supergraph_sdl())
    config = {
        "subgraphs": {name: {"url": url} for name, url in subgraph_stack.items()},
        # a prefix no other run uses; the few keys expire after a minute
        "http": {
            "redis_url": REDIS_URL,
            "apq": {"key_prefix": f"test:{uuid.uuid4().hex[:10]}:apq:", "ttl_seconds": 60},
        },
    }
    with running_router(workdir, supergraph=supergraph, config=config) as running:
        yield running


@pytest.fixture(scope="module")
def client(router: RunningRouter) -> Iterator[httpx.Client]:
    # GETs carry a preflight header: CSRF prevention (on by default) refuses simple requests
    with httpx.Client(
        base_url=router.url, timeout=30.0, headers={"apollo-require-preflight": "true"}
    ) as http:
        yield http


def test_get_query_with_variables_and_operation_name(client: httpx.Client) -> None:
    params = {"query": TOP, "variables": '{"n": 2}', "operationName": "Top"}
    assert whole(client.get("/graphql", params=params)) == (200, GRJ, TOP_2)
    posted = client.post(
        "/graphql",
        json={"query": TOP, "variables": {"n": 2}, "operationName": "Top"},
        headers={"accept": "application/json"},
    )
    assert whole(posted) == (200, JSON, TOP_2)


def test_mutation_over_get_is_405(client: httpx.Client) -> None:
    variables = orjson.dumps({"input": {"idempotencyKey": "k", "items": []}}).decode()
    response = client.get("/graphql", params={"query": PLACE, "variables": variables})
    assert whole(response) == (
        405,
        GRJ,
        {
            "errors": [
                {
                    "message": "Operation type 'mutation' is not allowed for this request "
                    "(allowed: query); mutations must be sent with POST.",
                    "extensions": {"code": "METHOD_NOT_ALLOWED"},
                }
            ]
        },
    )
    assert response.headers["allow"] == "POST"


def test_variables_of_the_wrong_type_for_a_real_mutation(client: httpx.Client) -> None:
    response = client.post(
        "/graphql",
        json={"query": PLACE, "variables": {"input": {"idempotencyKey": 5, "items": "x"}}},
    )
    location = [{"line": 1, "column": 16}]
    assert whole(response) == (
        400,
        GRJ,
        {
            "errors": [
                {
                    "message": "Variable '$input' got invalid value 5 at 'input.idempotencyKey'; "
                    "String cannot represent a non string value: 5",
                    "locations": location,
                    "extensions": {"code": "BAD_USER_INPUT"},
                },
                {
                    "message": "Variable '$input' got invalid value 'x' at 'input.items'; "
                    "Expected type 'OrderItemInput' to be a mapping.",
                    "locations": location,
                    "extensions": {"code": "BAD_USER_INPUT"},
                },
            ]
        },
    )


def test_apq_over_get(client: httpx.Client) -> None:
    query = TOP
    sha = hashlib.sha256(query.encode()).hexdigest()
    extensions = orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha}}).decode()
    base = {"variables": '{"n": 2}', "extensions": extensions}
    missing = client.get("/graphql", params=base)
    assert whole(missing) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        },
    )
    assert whole(client.get("/graphql", params={**base, "query": query})) == (200, GRJ, TOP_2)
    assert whole(client.get("/graphql", params=base)) == (200, GRJ, TOP_2)
