from __future__ import annotations

import json

import pytest
from graphql import build_schema, parse, validate

from benchmarks.gateways import rewrite_subgraph_urls
from benchmarks.workload import (
    _API_SDL,
    QUERY_PATH,
    SUBGRAPH_NAMES,
    SUPERGRAPH_PATH,
    expected_response,
    load_workload,
    request_body,
    shipping_estimate,
)


def test_the_benchmark_answer_is_about_87_kb() -> None:
    size = len(json.dumps(expected_response(QUERY_PATH.read_text()), separators=(",", ":")))
    assert 85_000 <= size <= 90_000


def test_the_oracle_follows_the_data_through_every_jump() -> None:
    workload = load_workload()
    query = '{ user(id: "2") { username reviews { id product { upc shippingEstimate reviews { author { name } } } } } }'
    user = expected_response(query)["data"]["user"]
    mine = [r for r in workload.reviews if r["authorId"] == "2"]
    assert [r["id"] for r in user["reviews"]] == [r["id"] for r in mine]
    first = user["reviews"][0]["product"]
    product = workload.product(first["upc"])
    assert product is not None
    assert first["shippingEstimate"] == shipping_estimate(product["price"], product["weight"])
    authors = [r["author"]["name"] for r in first["reviews"]]
    assert authors == [
        workload.user(r["authorId"])["name"]  # type: ignore[index]
        for r in workload.reviews
        if r["productUpc"] == first["upc"]
    ]


def test_top_products_default_and_argument() -> None:
    assert len(expected_response("{ topProducts { upc } }")["data"]["topProducts"]) == 5
    assert expected_response("{ topProducts(first: 2) { name } }")["data"]["topProducts"] == [
        {"name": p["name"]} for p in load_workload().products[:2]
    ]


@pytest.mark.parametrize(
    ("price", "weight", "estimate"),
    [(1500, 800, 0), (899, 100, 50), (None, 5, None), (10, None, None)],
)
def test_shipping_estimate(price: int | None, weight: int | None, estimate: int | None) -> None:
    assert shipping_estimate(price, weight) == estimate


def test_the_query_is_valid_against_the_api_schema() -> None:
    assert validate(build_schema(_API_SDL), parse(QUERY_PATH.read_text())) == []


def test_the_committed_supergraph_names_every_subgraph_and_can_be_pointed_elsewhere() -> None:
    sdl = SUPERGRAPH_PATH.read_text()
    rewritten = rewrite_subgraph_urls(sdl, lambda name: f"http://127.0.0.1:9999/{name}-x")
    for name in SUBGRAPH_NAMES:
        assert f'@join__graph(name: "{name}", url: "http://127.0.0.1:9999/{name}-x")' in rewritten
    assert rewritten.replace("9999", "4200").replace('-x"', '"') == sdl


def test_request_body_is_compact_json() -> None:
    assert (
        request_body("{ me { id } }", {"a": 1}) == b'{"query":"{ me { id } }","variables":{"a":1}}'
    )
