"""The six subgraphs as real processes (tests/support/stack.py): every one ready and serving
its part of the benchmark data over HTTP."""

from __future__ import annotations

import httpx
import pytest

from servicekit.topology import load_subgraphs
from subgraphs.seeding import generate
from tests.subgraphs.expected import product_json, user_json

pytestmark = pytest.mark.e2e


def _post(url: str, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_every_subgraph_is_ready(subgraph_stack: dict[str, str]) -> None:
    assert sorted(subgraph_stack) == [
        "accounts",
        "inventory",
        "orders",
        "payments",
        "products",
        "reviews",
    ]
    database = {"database": {"ok": True, "dialect": "sqlite"}}
    upstreams = {"products": {"ok": True}}
    events = {"events": {"ok": True, "broker": "redis"}}  # issue #15: relays and consumers
    for name, url in subgraph_stack.items():
        ready = httpx.get(url.replace("/graphql", "/ready"), timeout=5)
        checks = {**database, **(upstreams if name == "orders" else {})}
        if name in ("products", "inventory", "orders", "payments"):
            checks |= events
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": checks})


def test_served_sdl_over_http_is_the_committed_file(subgraph_stack: dict[str, str]) -> None:
    for entry in load_subgraphs():
        answer = _post(subgraph_stack[entry.name], "{ _service { sdl } }")
        assert answer == {"data": {"_service": {"sdl": entry.schema_file.read_text()}}}


def test_users_and_top_products_over_http(subgraph_stack: dict[str, str]) -> None:
    data = generate()
    users = _post(subgraph_stack["accounts"], "{ users { id name username email createdAt } }")
    # email is personal: null for this anonymous caller (the owner's own: tests/security/e2e)
    assert users == {"data": {"users": [{**user_json(u), "email": None} for u in data.users]}}
    top = _post(
        subgraph_stack["products"],
        "{ topProducts { upc name price weight description category } }",
    )
    assert top == {"data": {"topProducts": [product_json(p) for p in data.products[:5]]}}
