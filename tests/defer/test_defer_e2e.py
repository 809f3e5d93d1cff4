"""``@defer`` end to end over real processes: the four fixture subgraphs, our router and Hive
Gateway 2.15 (``deferStream: true``, the oracle) on one supergraph file.

Each operation is sent to both with ``Accept: multipart/mixed;deferSpec=20220824`` and the
answers are compared whole, part by part (every payload's ``data``, ``incremental`` items with
``path``/``label``, ``hasNext``; errors by ``path``: the two word some messages differently, and
``test_deferred_null_propagation`` pins our messages against the seed data). The inventory
subgraph's ``Product.delivery`` takes 3 s: the primary part must arrive before it, measured
from the parts' arrival times.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.defer.harness import DEFER_ACCEPT, Gateways, node_missing, read_parts, start_gateways

SLOW_SECONDS = 3.0
"""``Product.delivery``'s delay in the inventory fixture subgraph."""


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateways]:
    missing = node_missing()
    if missing is not None:
        pytest.fail(missing)
    with start_gateways(Path(tmp_path_factory.mktemp("defer"))) as started:
        yield started


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as http:
        yield http


def _errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"path": error.get("path")} for error in errors]


def normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """A payload with each error reduced to its ``path`` (messages and locations differ)."""
    result = dict(payload)
    if "errors" in result:
        result["errors"] = _errors(result["errors"])
    if "incremental" in result:
        items = []
        for item in result["incremental"]:
            copy = dict(item)
            if "errors" in copy:
                copy["errors"] = _errors(copy["errors"])
            items.append(copy)
        result["incremental"] = items
    return result


CASES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "entity fields from another subgraph": (
        "{ topProducts { upc name ... @defer { reviews { body author { name } } } } }",
        None,
    ),
    "nested defers": (
        '{ me { name ... @defer(label: "r") { reviews { body product { name '
        '... @defer(label: "inner") { inStock } } } } } }',
        None,
    ),
    "query root": (
        '{ me { id } ... @defer(label: "root") { topProducts(first: 1) { name } } }',
        None,
    ),
    "@requires inside the deferred part": (
        "{ topProducts(first: 2) { name ... @defer { shippingEstimate } } }",
        None,
    ),
    "@include and @skip inside": (
        'query($stock: Boolean!, $noPrice: Boolean!) { product(upc: "2") { name '
        "... @defer { inStock @include(if: $stock) price @skip(if: $noPrice) } } }",
        {"stock": True, "noPrice": True},
    ),
    "@include(if: false) on the deferred fragment": (
        'query($x: Boolean!) { product(upc: "1") { name ... @defer @include(if: $x) '
        "{ inStock } } }",
        {"x": False},
    ),
    "@defer(if: $d) true": (
        'query($d: Boolean!) { product(upc: "3") { name ... @defer(if: $d) { inStock } } }',
        {"d": True},
    ),
    "@defer(if: $d) false": (
        'query($d: Boolean!) { product(upc: "3") { name ... @defer(if: $d) { inStock } } }',
        {"d": False},
    ),
    "non-null field error inside": (
        '{ product(upc: "1") { name ... @defer { secretCode } } }',
        None,
    ),
    "object null in the primary part": (
        '{ product(upc: "none") { name ... @defer { inStock } } }',
        None,
    ),
    "entity fields below a mutation": (
        'mutation { rename(id: "2", name: "Alan Turing") { id ... @defer { reviews { body } } } }',
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_parts_match_hive_gateway(gateways: Gateways, client: httpx.Client, case: str) -> None:
    query, variables = CASES[case]
    ours_response, ours = read_parts(client, gateways.router_url, query, variables)
    hive_response, hive = read_parts(client, gateways.hive_url, query, variables)
    assert ours_response.status_code == hive_response.status_code == 200
    assert [normalise(p.payload) for p in ours] == [normalise(p.payload) for p in hive]


def test_primary_part_arrives_before_the_slow_subgraph(
    gateways: Gateways, client: httpx.Client
) -> None:
    query = '{ topProducts { upc name ... @defer(label: "slow") { delivery } } }'
    seen: dict[str, list[float]] = {}
    for name, url in (("router", gateways.router_url), ("hive", gateways.hive_url)):
        started = time.monotonic()
        response, parts = read_parts(client, url, query)
        assert response.headers["content-type"].startswith("multipart/mixed")
        assert len(parts) == 2
        seen[name] = [part.at - started for part in parts]
        if name == "router":
            ours = parts
        else:
            assert [p.payload for p in ours] == [p.payload for p in parts]
    expected_primary = {
        "data": {
            "topProducts": [
                {"upc": "1", "name": "Table"},
                {"upc": "2", "name": "Couch"},
                {"upc": "3", "name": "Chair"},
            ]
        },
        "hasNext": True,
    }
    assert ours[0].payload == expected_primary
    assert ours[1].payload == {
        "incremental": [
            {"data": {"delivery": "tomorrow"}, "path": ["topProducts", i], "label": "slow"}
            for i in range(3)
        ],
        "hasNext": False,
    }
    for name, (primary, deferred) in seen.items():
        # the deferred part waits on the subgraph's 3 s; the primary part did not
        assert deferred - primary >= SLOW_SECONDS - 0.5, (name, seen)
    print(f"\narrival after the request (s): {seen}")


def test_typed_fragment_on_an_interface(gateways: Gateways, client: httpx.Client) -> None:
    """``... on Book @defer`` below ``media: [Media]``: payloads for the Book items only.

    Expected from the fixture data (media = Dune (Book b1), Alien (Movie), Emma (Book b2);
    reviewCount b1 = 2, b2 = 0), not from Hive Gateway: Hive 2.15 answers this operation with
    ``data: null`` and a "Cannot return null" error for each Book, although the same fields
    without @defer resolve (see the report)."""
    query = '{ media { title ... on Book @defer(label: "book") { reviewCount } } }'
    _, parts = read_parts(client, gateways.router_url, query)
    assert [p.payload for p in parts] == [
        {
            "data": {"media": [{"title": "Dune"}, {"title": "Alien"}, {"title": "Emma"}]},
            "hasNext": True,
        },
        {
            "incremental": [
                {"data": {"reviewCount": 2}, "path": ["media", 0], "label": "book"},
                {"data": {"reviewCount": 0}, "path": ["media", 2], "label": "book"},
            ],
            "hasNext": False,
        },
    ]
    undeferred = "{ media { title ... on Book { reviewCount } } }"
    _, plain = read_parts(client, gateways.router_url, undeferred, accept="application/json")
    assert plain[0].payload == {
        "data": {
            "media": [
                {"title": "Dune", "reviewCount": 2},
                {"title": "Alien"},
                {"title": "Emma", "reviewCount": 0},
            ]
        }
    }


def test_value_type_fragment(gateways: Gateways, client: httpx.Client) -> None:
    """``Review`` has no key: the deferred fields come with the primary fetches and are
    delivered right after the primary part. Expected from the fixture data (the latest review is
    Alan Turing's on the Table), not from Hive Gateway, which answers ``data: null`` with a
    "Cannot return null" error for ``author`` here (see the report)."""
    query = "{ latestReview { body ... @defer { author { name } product { name } } } }"
    _, parts = read_parts(client, gateways.router_url, query)
    assert [p.payload for p in parts] == [
        {"data": {"latestReview": {"body": "Prefer something else."}}, "hasNext": True},
        {
            "incremental": [
                {
                    "data": {"author": {"name": "Alan Turing"}, "product": {"name": "Table"}},
                    "path": ["latestReview"],
                }
            ],
            "hasNext": False,
        },
    ]


def test_deferred_null_propagation(gateways: Gateways, client: httpx.Client) -> None:
    """RFC: a null reaching the deferred fragment's object makes the item's data null; the
    subgraph's error (Product.secretCode always fails) is in the item."""
    _, parts = read_parts(
        client, gateways.router_url, '{ product(upc: "1") { name ... @defer { secretCode } } }'
    )
    assert [p.payload for p in parts] == [
        {"data": {"product": {"name": "Table"}}, "hasNext": True},
        {
            "incremental": [
                {
                    "data": None,
                    "path": ["product"],
                    "errors": [
                        {
                            "message": "secret code of 1 is classified",
                            "path": ["product", "secretCode"],
                            "extensions": {"service": "products"},
                        }
                    ],
                }
            ],
            "hasNext": False,
        },
    ]


def test_json_only_client_gets_the_complete_answer(
    gateways: Gateways, client: httpx.Client
) -> None:
    """Without multipart in Accept the answer is one complete JSON response (the RFC lets a
    server ignore @defer; issue #16). Hive Gateway answers 406 here instead."""
    query = '{ product(upc: "1") { name ... @defer { inStock reviews { body } } } }'
    response, parts = read_parts(client, gateways.router_url, query, accept="application/json")
    hive = client.post(
        gateways.hive_url, json={"query": query}, headers={"accept": "application/json"}
    )
    assert hive.status_code == 406
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert [p.payload for p in parts] == [
        {
            "data": {
                "product": {
                    "name": "Table",
                    "inStock": True,
                    "reviews": [{"body": "Love it!"}, {"body": "Prefer something else."}],
                }
            }
        }
    ]


def test_multipart_only_client_without_defer_gets_one_part(
    gateways: Gateways, client: httpx.Client
) -> None:
    query = '{ product(upc: "2") { name } }'
    accept = "multipart/mixed;deferSpec=20220824"
    ours_response, ours = read_parts(client, gateways.router_url, query, accept=accept)
    _, hive = read_parts(client, gateways.hive_url, query, accept=accept)
    assert ours_response.headers["content-type"].startswith("multipart/mixed")
    assert [p.payload for p in ours] == [p.payload for p in hive]
    assert [p.payload for p in ours] == [{"data": {"product": {"name": "Couch"}}}]


def _post(client: httpx.Client, url: str, query: str, accept: str = DEFER_ACCEPT) -> httpx.Response:
    headers = {"accept": accept, "apollo-require-preflight": "true"}
    return client.post(url, json={"query": query}, headers=headers)


def test_unsupported_defer_spec_is_not_acceptable(gateways: Gateways, client: httpx.Client) -> None:
    response = _post(
        client,
        gateways.router_url,
        '{ product(upc: "1") { name } }',
        accept="multipart/mixed;deferSpec=19990101",
    )
    assert response.status_code == 406
    assert response.json() == {
        "errors": [
            {
                "message": "Not Acceptable: accept application/graphql-response+json, "
                "application/json or multipart/mixed;deferSpec=20220824",
                "extensions": {"code": "INVALID_ACCEPT_HEADER"},
            }
        ]
    }


BAD_USAGE = {
    "duplicate labels": (
        '{ product(upc: "1") { name ... @defer(label: "a") { inStock } '
        '... @defer(label: "a") { price } } }',
        "Defer/Stream directive label argument must be unique.",
    ),
    "label from a variable": (
        'query($l: String) { product(upc: "1") { name ... @defer(label: $l) { inStock } } }',
        "Defer/Stream directive label argument must be a static string.",
    ),
    "on a mutation's root fields": (
        'mutation { ... @defer { rename(id: "1", name: "Ada Lovelace") { id } } }',
        "@defer on a mutation's root fields is not supported by this router.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_USAGE))
def test_bad_usage_is_a_request_error(gateways: Gateways, client: httpx.Client, case: str) -> None:
    query, message = BAD_USAGE[case]
    accept = "multipart/mixed;deferSpec=20220824, application/graphql-response+json"
    response = _post(client, gateways.router_url, query, accept)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]
    }
