"""Bad input to a subgraph over real HTTP: a GraphQL error or null as the federation spec says,
never a 500 (invalid JSON, representations of unknown types or without key fields, unknown ids,
broken cursors)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from subgraphs.registry import SUBGRAPHS
from subgraphs.seeding import generate

pytestmark = pytest.mark.e2e

DATA = generate()
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
LOCATION = [{"line": 1, "column": 23}]
# subgraph -> (a known entity's representation, the same type with an unknown key value)
KNOWN: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "accounts": ({"__typename": "User", "id": "1"}, {"__typename": "User", "id": "424242"}),
    "products": (
        {"__typename": "Product", "upc": DATA.products[0].upc},
        {"__typename": "Product", "upc": "nope"},
    ),
    "inventory": (
        {"__typename": "Product", "upc": DATA.products[0].upc, "price": 1, "weight": 2},
        {"__typename": "Product", "upc": "nope", "price": 1, "weight": 2},
    ),
    "reviews": ({"__typename": "Review", "id": "1"}, {"__typename": "Review", "id": "x"}),
    "orders": ({"__typename": "Order", "id": "1"}, {"__typename": "Order", "id": "0"}),
    "payments": ({"__typename": "Payment", "id": "1"}, {"__typename": "Payment", "id": "0"}),
}


def _post(url: str, body: Any) -> httpx.Response:
    return httpx.post(url, json=body, timeout=10)


def _bad(index: int, message: str) -> dict[str, Any]:
    return {
        "message": message,
        "locations": LOCATION,
        "path": ["_entities", index],
        "extensions": {"code": "BAD_USER_INPUT"},
    }


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_invalid_json_is_a_400_with_a_graphql_error(
    subgraph_stack: dict[str, str], name: str
) -> None:
    response = httpx.post(
        subgraph_stack[name],
        content=b'{"query": "{ __typename ',
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"message": "request body is not valid JSON", "extensions": {"code": "BAD_REQUEST"}}
        ]
    }


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_bad_representations_are_errors_at_their_index(
    subgraph_stack: dict[str, str], name: str
) -> None:
    known, unknown = KNOWN[name]
    typename = known["__typename"]
    key = "upc" if typename == "Product" else "id"
    representations = [
        known,
        {"__typename": "Nope", "id": "1"},
        {"__typename": typename},
        {"id": "1"},
        "just a string",
        unknown,
    ]
    response = _post(subgraph_stack[name], {"query": ENTITIES, "variables": {"r": representations}})
    assert response.status_code == 200
    # an Order (a Payment) is its owner's (buyer's): this anonymous caller gets null for it,
    # without an error
    first = None if name in {"orders", "payments"} else {"__typename": typename}
    assert response.json() == {
        "data": {"_entities": [first, None, None, None, None, None]},
        "errors": [
            _bad(1, "Nope is not an entity this subgraph resolves"),
            _bad(2, f"{typename} representation lacks its key fields ({key})"),
            _bad(3, "a representation needs a __typename string"),
            _bad(4, "a representation must be an object with __typename and key fields"),
        ],
    }


def test_unresolvable_reference_type_is_rejected(subgraph_stack: dict[str, str]) -> None:
    body = {"query": ENTITIES, "variables": {"r": [{"__typename": "Product", "upc": "1"}]}}
    assert _post(subgraph_stack["orders"], body).json() == {
        "data": {"_entities": [None]},
        "errors": [_bad(0, "Product is not an entity this subgraph resolves")],
    }


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("accounts", '{ usersConnection(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }'),
        ("products", '{ productsConnection(after: "%%%") { edges { cursor } } }'),
    ],
)
def test_a_broken_cursor_is_a_graphql_error(
    subgraph_stack: dict[str, str], name: str, query: str
) -> None:
    response = _post(subgraph_stack[name], {"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [e["message"].startswith("invalid cursor") for e in body["errors"]] == [True]


@pytest.mark.parametrize(
    ("name", "query", "data"),
    [
        ("accounts", '{ user(id: "not-a-number") { id } }', {"user": None}),
        ("products", '{ product(upc: "missing") { upc } }', {"product": None}),
        ("reviews", '{ review(id: "-1") { id } }', {"review": None}),
        (
            "orders",
            '{ _entities(representations: [{__typename: "Order", id: "99999999"}]) { __typename } }',
            {"_entities": [None]},
        ),
    ],
)
def test_unknown_ids_are_null_without_errors(
    subgraph_stack: dict[str, str], name: str, query: str, data: dict[str, Any]
) -> None:
    response = _post(subgraph_stack[name], {"query": query})
    assert (response.status_code, response.json()) == (200, {"data": data})
