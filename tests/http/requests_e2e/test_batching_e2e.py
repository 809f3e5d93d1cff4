"""Client request batching over real processes (issue #18): a JSON array of operations answered
by a JSON array in the same order (Apollo Router's ``batch_http_link`` format), each slot its own
GraphQL response, the batch-size limit, and every operation counted by the rate limit.

Expected data come from the seed generator (:func:`subgraphs.seeding.generate`), the error
bodies are written out by hand."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from subgraphs.seeding import generate
from tests.http.requests_e2e.conftest import SUPERGRAPH, Platform
from tests.http.router_process import running_router

PRODUCTS = sorted(generate().products, key=lambda p: p.upc)
GRAPHQL_JSON = "application/graphql-response+json; charset=utf-8"

TOP = {"query": "query Top { topProducts(first: 2) { upc name } }", "operationName": "Top"}
ONE = {
    "query": "query One($upc: String!) { product(upc: $upc) { upc price } }",
    "variables": {"upc": PRODUCTS[3].upc},
}
INVALID = {"query": "{ nope }"}
TOP_DATA = {"data": {"topProducts": [{"upc": p.upc, "name": p.name} for p in PRODUCTS[:2]]}}
ONE_DATA = {"data": {"product": {"upc": PRODUCTS[3].upc, "price": PRODUCTS[3].price}}}
INVALID_ANSWER = {
    "errors": [
        {
            "message": "Cannot query field 'nope' on type 'Query'.",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]
}
NOT_AN_OBJECT = {
    "errors": [
        {
            "message": "Invalid GraphQL request: the body must be a JSON object",
            "extensions": {"code": "INVALID_GRAPHQL_REQUEST"},
        }
    ]
}


def _post(url: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=30.0)


def test_a_batch_is_answered_in_order_with_each_operations_own_errors(
    platform: Platform, tmp_path: Path
) -> None:
    config = platform.router_config(batching={"enabled": True, "maximum_size": 5})
    with running_router(tmp_path, supergraph=SUPERGRAPH, config=config) as router:
        response = _post(router.graphql_url, [ONE, INVALID, TOP, "not an object", TOP])
        single = _post(router.graphql_url, ONE)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_JSON
    assert response.json() == [ONE_DATA, INVALID_ANSWER, TOP_DATA, NOT_AN_OBJECT, TOP_DATA]
    assert single.json() == ONE_DATA  # a batch slot is what the operation alone answers


def test_a_batch_over_the_limit_is_refused_whole(platform: Platform, tmp_path: Path) -> None:
    config = platform.router_config(batching={"enabled": True, "maximum_size": 2})
    with running_router(tmp_path, supergraph=SUPERGRAPH, config=config) as router:
        over = _post(router.graphql_url, [TOP, TOP, ONE])
        empty = _post(router.graphql_url, [])
        at_limit = _post(router.graphql_url, [TOP, ONE])
    assert (over.status_code, over.headers["content-type"]) == (422, GRAPHQL_JSON)
    assert over.json() == {
        "errors": [
            {
                "message": "Batch limits exceeded: you provided a batch with 3 entries, but the "
                "configured maximum router batch size is 2",
                "extensions": {"code": "BATCH_LIMIT_EXCEEDED"},
            }
        ]
    }
    assert (empty.status_code, empty.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "Invalid GraphQL request: a batch must hold operations",
                    "extensions": {"code": "INVALID_GRAPHQL_REQUEST"},
                }
            ]
        },
    )
    assert (at_limit.status_code, at_limit.json()) == (200, [TOP_DATA, ONE_DATA])


def test_batching_is_off_by_default(platform: Platform, tmp_path: Path) -> None:
    with running_router(tmp_path, supergraph=SUPERGRAPH, config=platform.router_config()) as router:
        response = _post(router.graphql_url, [TOP])
        alone = _post(router.graphql_url, TOP)
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "Batching is not enabled on this router",
                    "extensions": {"code": "BATCHING_NOT_ENABLED"},
                }
            ]
        },
    )
    assert (alone.status_code, alone.json()) == (200, TOP_DATA)


def _rate_limited(slot: dict[str, Any]) -> int:
    """The slot is the rate-limit refusal; its ``retryAfterSeconds`` (clock-dependent)."""
    retry = slot["errors"][0]["extensions"].pop("retryAfterSeconds")
    assert slot == {
        "errors": [
            {
                "message": "Your request has been rate limited",
                "extensions": {"code": "REQUEST_RATE_LIMITED"},
            }
        ]
    }
    return int(retry)


def test_each_operation_of_a_batch_counts_against_the_rate_limit(
    platform: Platform, tmp_path: Path
) -> None:
    config = platform.router_config(
        batching={"enabled": True, "maximum_size": 10},
        security={
            **platform.router_config()["security"],
            "rate_limit": {
                "key_prefix": f"req:{uuid.uuid4().hex}:rl",  # a fresh budget every run
                "anonymous": {"requests": 5, "per_seconds": 3600},
            },
        },
    )
    with running_router(tmp_path, supergraph=SUPERGRAPH, config=config) as router:
        first = _post(router.graphql_url, [TOP, ONE, TOP])
        second = _post(router.graphql_url, [ONE, TOP, ONE])
        alone = _post(router.graphql_url, TOP)
    assert first.status_code == 200
    assert first.json() == [TOP_DATA, ONE_DATA, TOP_DATA]
    assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == ("5", "2")
    assert "retry-after" not in first.headers
    # two tokens left: the third operation is refused in its slot, the first two run
    assert second.status_code == 200
    slots = second.json()
    assert slots[:2] == [ONE_DATA, TOP_DATA]
    assert 1 <= _rate_limited(slots[2]) <= 720
    assert second.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(second.headers["retry-after"]) <= 720
    # the budget is spent: a request alone is refused as a whole
    assert alone.status_code == 429
    assert 1 <= _rate_limited(alone.json()) <= 720
