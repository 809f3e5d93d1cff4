"""Every operation limit over HTTP, just under and just over, against the router process over the
real subgraphs (that a refusal reaches no subgraph is pinned in tests/gateway/test_gateway_security.py);
the body limit from the config; CSRF prevention refuses a simple GET. The rate limit with two router processes sharing one Redis:
the budget is global."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import parse

from router.limits.cost_directives import CostDirectives
from router.supergraph import load_supergraph
from tests.http.router_process import RunningRouter
from tests.limits.support import estimate_cost
from tests.security.e2e.platform import SUPERGRAPH, Platform, routers

SDL = SUPERGRAPH.read_text()
API = load_supergraph(SDL).api_schema
SMALL = "{ topProducts(first: 2) { upc name reviews { id } } }"
BIG = "{ topProducts(first: 2) { upc name reviews { id author { username reviews { id } } } } }"


def cost(query: str) -> float:
    return estimate_cost(
        API, CostDirectives.from_sdl(parse(SDL)), parse(query), None, None, default_list_size=5
    )


LIMITS = {"max_depth": 3, "max_aliases": 2, "max_root_fields": 2, "max_cost": cost(SMALL)}
MAX_BODY = 600


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1, limits=LIMITS) as (only,):
        yield only


def outcome(router: RunningRouter, query: str) -> tuple[int, str | None]:
    response = httpx.post(router.graphql_url, json={"query": query}, timeout=30)
    body: dict[str, Any] = response.json()
    if "data" in body and not body.get("errors"):
        return response.status_code, None
    return response.status_code, body["errors"][0]["extensions"]["code"]


CASES = {
    "depth 3 (limit)": ("{ topProducts { reviews { id } } }", (200, None)),
    "depth 4": ("{ topProducts { reviews { author { id } } } }", (400, "MAX_DEPTH_EXCEEDED")),
    "2 aliases (limit)": ("{ topProducts { a: upc b: name } }", (200, None)),
    "3 aliases": ("{ topProducts { a: upc b: name c: upc } }", (400, "MAX_ALIASES_EXCEEDED")),
    "2 root fields (limit)": ("{ topProducts { upc } users { id } }", (200, None)),
    "3 root fields": (
        "{ topProducts { upc } users { id } recentReviews { id } }",
        (400, "MAX_ROOT_FIELDS_EXCEEDED"),
    ),
    "cost at the limit": (SMALL, (200, None)),
    "cost over": (
        "{ topProducts(first: 2) { upc name reviews { id body } } users { id } }",
        (400, "COST_ESTIMATED_TOO_EXPENSIVE"),
    ),
}


def test_each_limit_just_under_and_over(router: RunningRouter, platform: Platform) -> None:
    seen = {name: outcome(router, query) for name, (query, _) in CASES.items()}
    assert seen == {name: expected for name, (_, expected) in CASES.items()}


def test_body_limit_just_under_and_over(platform: Platform) -> None:
    query = "{ topProducts(first: 1) { upc } }"
    bodies = {}
    for size in (MAX_BODY, MAX_BODY + 1):
        padding = size - len(f'{{"query":"{query}","extensions":{{"pad":""}}}}')
        bodies[size] = f'{{"query":"{query}","extensions":{{"pad":"{"x" * padding}"}}}}'.encode()
    assert {size: len(body) for size, body in bodies.items()} == {s: s for s in bodies}
    with routers(platform, 1, http={"max_body_bytes": MAX_BODY}) as (limited,):
        statuses = {
            size: httpx.post(
                limited.graphql_url, content=body, headers={"content-type": "application/json"}
            ).status_code
            for size, body in bodies.items()
        }
    assert statuses == {MAX_BODY: 200, MAX_BODY + 1: 413}


def test_simple_get_is_a_csrf_error_and_preflighted_get_runs(router: RunningRouter) -> None:
    params = {"query": "{ topProducts(first: 1) { upc } }"}
    simple = httpx.get(router.graphql_url, params=params)
    preflighted = httpx.get(
        router.graphql_url, params=params, headers={"apollo-require-preflight": "1"}
    )
    assert (simple.status_code, simple.json()["errors"][0]["extensions"]["code"]) == (
        400,
        "CSRF_ERROR",
    )
    assert (preflighted.status_code, list(preflighted.json())) == (200, ["data"])


def test_rate_limit_budget_is_global_across_two_routers(platform: Platform) -> None:
    rule = {"anonymous": {"requests": 20, "per_seconds": 600}}
    with routers(platform, 2, rate_limit=rule) as (first, second):
        statuses = []
        for i in range(24):
            target = (first, second)[i % 2]
            response = httpx.post(target.graphql_url, json={"query": "{ __typename }"}, timeout=30)
            statuses.append((response.status_code, response.headers.get("retry-after")))
    assert [s for s, _ in statuses] == [200] * 20 + [429] * 4
    assert all(int(after or 0) >= 1 for _, after in statuses[20:])


def test_per_operation_budget_is_read_from_the_body(platform: Platform) -> None:
    rule = {
        "anonymous": {"requests": 1000, "per_seconds": 600},
        "per_operation": {"Heavy": {"requests": 2, "per_seconds": 600}},
    }
    heavy = {"query": "query Heavy { topProducts(first: 1) { upc } }", "operationName": "Heavy"}
    light = {"query": "query Light { topProducts(first: 1) { upc } }", "operationName": "Light"}
    with routers(platform, 1, rate_limit=rule) as (router,):
        statuses = [
            httpx.post(router.graphql_url, json=payload, timeout=30).status_code
            for payload in (heavy, heavy, heavy, light, light)
        ]
    assert statuses == [200, 200, 429, 200, 200]
