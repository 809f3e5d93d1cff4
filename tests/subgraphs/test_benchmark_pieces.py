"""The public federation benchmark query (/work/shared/benchmark/query.graphql), fetched piece by
piece from the real subgraph processes the way a router plans it (root fields, then
``_entities`` jumps with ``@requires``/``@provides``), stitched, and compared whole with the
answer computed from the seed generator; the default seed keeps it near the public 87 KB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from subgraphs.registry import SUBGRAPHS
from subgraphs.seeding import generate
from tests.subgraphs.expected import benchmark_response
from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { %s } }"


def _data(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, timeout=30)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _entities(url: str, reps: list[dict[str, Any]], selection: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = _data(url, ENTITIES % selection, {"r": reps})["_entities"]
    return entities


def _fetch_benchmark(urls: dict[str, str]) -> dict[str, Any]:
    root = _data(urls["accounts"], "{ users { id username name } }")
    top = _data(urls["products"], "{ topProducts { name price upc weight } }")["topProducts"]
    user_reps = [{"__typename": "User", "id": u["id"]} for u in root["users"]]
    by_user = _entities(
        urls["reviews"], user_reps, "... on User { reviews { id body product { upc } } }"
    )
    reviews_of = {u["id"]: e["reviews"] for u, e in zip(root["users"], by_user, strict=True)}
    upcs = sorted(
        {r["product"]["upc"] for rs in reviews_of.values() for r in rs} | {p["upc"] for p in top}
    )
    product_reps = [{"__typename": "Product", "upc": upc} for upc in upcs]
    catalogue = _entities(
        urls["products"], product_reps, "... on Product { name price upc weight }"
    )
    priced = [
        {"__typename": "Product", "upc": p["upc"], "price": p["price"], "weight": p["weight"]}
        for p in catalogue
    ]
    stock = _entities(urls["inventory"], priced, "... on Product { inStock shippingEstimate }")
    products = {p["upc"]: {**p, **s} for p, s in zip(catalogue, stock, strict=True)}
    product_reviews = _entities(
        urls["reviews"],
        product_reps,
        "... on Product { reviews { id body author { id username } } }",
    )
    reviews_on = {upc: e["reviews"] for upc, e in zip(upcs, product_reviews, strict=True)}
    authors = sorted({r["author"]["id"] for rs in reviews_on.values() for r in rs}, key=int)
    names = _entities(
        urls["accounts"],
        [{"__typename": "User", "id": a} for a in authors],
        "... on User { id name }",
    )
    name_of = {n["id"]: n["name"] for n in names}

    def author(user: dict[str, Any]) -> dict[str, Any]:
        return {
            **user,
            "name": name_of[user["id"]],
            "reviews": [
                {"id": r["id"], "body": r["body"], "product": products[r["product"]["upc"]]}
                for r in reviews_of[user["id"]]
            ],
        }

    def with_reviews(upc: str) -> dict[str, Any]:
        return {
            **products[upc],
            "reviews": [
                {"id": r["id"], "body": r["body"], "author": author(r["author"])}
                for r in reviews_on[upc]
            ],
        }

    users = [
        {
            **u,
            "reviews": [
                {"id": r["id"], "body": r["body"], "product": with_reviews(r["product"]["upc"])}
                for r in reviews_of[u["id"]]
            ],
        }
        for u in root["users"]
    ]
    return {"users": users, "topProducts": [with_reviews(p["upc"]) for p in top]}


def test_subgraphs_serve_the_whole_benchmark_answer(subgraph_stack: dict[str, str]) -> None:
    expected = benchmark_response(generate())
    assert _fetch_benchmark(subgraph_stack) == expected
    size = len(json.dumps({"data": expected}, separators=(",", ":")))
    assert 80_000 < size < 95_000, size


@pytest.mark.postgres
def test_the_same_answer_over_postgresql_stores(tmp_path: Path, postgres_url: str) -> None:
    """The five processes over PostgreSQL (one database here, each subgraph its own tables):
    seeded by `subgraph seed`, schema created on start-up, the same whole answer."""
    urls = dict.fromkeys(SUBGRAPHS, postgres_url)
    with running_stack(tmp_path, database_urls=urls) as stack:
        assert _fetch_benchmark(stack.urls) == benchmark_response(generate())
        ready = httpx.get(stack.base_url("accounts") + "/ready", timeout=5).json()
        assert ready == {
            "status": "ready",
            "checks": {"database": {"ok": True, "dialect": "postgresql"}},
        }
