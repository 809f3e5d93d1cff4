"""``placeOrder`` over real processes (products, inventory, orders on free ports, sharing the
identity secret): prices from products, stock reserved in inventory under the caller's
idempotency key, exactly one order per key even when retried or sent concurrently, OUT_OF_STOCK
without an order, stock released when the order cannot be stored. Requests carry the caller's
signed identity as the router sends it (:func:`tests.subgraphs.support.signed`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from subgraphs.orders.app import create_app, create_database
from subgraphs.orders.upstream import Upstreams
from subgraphs.seeding import generate
from tests.subgraphs.support import SECRET, signed
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

DATA = generate()
STOCK = {s.upc: s.quantity for s in DATA.stock}
IN_STOCK = [p for p in DATA.products if STOCK[p.upc] >= 10]
SOLD_OUT = next(p for p in DATA.products if STOCK[p.upc] == 0)
PLACE = (
    "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) "
    "{ id user { id } total status items { product { upc } quantity unitPrice } } }"
)


NAMES = ["products", "inventory", "orders"]
ENV = {name: {"IDENTITY_HMAC_SECRET": SECRET} for name in NAMES}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("orders"), NAMES, extra_env=ENV) as running:
        yield running


def _post(
    url: str,
    query: str,
    variables: dict[str, Any],
    user: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    body = orjson.dumps({"query": query, "variables": variables})
    sent = {"content-type": "application/json", **(headers or {})}
    if user is not None:
        sent |= signed(body, user)
    response = httpx.post(url, content=body, headers=sent, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _place(
    stack: RunningStack,
    key: str,
    items: list[tuple[str, int]],
    user: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    order_input = {"idempotencyKey": key, "items": [{"upc": u, "quantity": q} for u, q in items]}
    return _post(stack.urls["orders"], PLACE, {"input": order_input}, user, headers)


def _stock(stack: RunningStack, upc: str) -> int:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stockQuantity } } }"
    rep = {"__typename": "Product", "upc": upc, "price": 1, "weight": 1}
    answer = _post(stack.urls["inventory"], query, {"r": [rep]})
    quantity: int = answer["data"]["_entities"][0]["stockQuantity"]
    return quantity


def _order_ids(stack: RunningStack, user_id: str) -> list[str]:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 100) { id } } } }"
    representation = {"__typename": "User", "id": user_id}
    answer = _post(stack.urls["orders"], query, {"r": [representation]}, user=user_id)
    return [o["id"] for o in answer["data"]["_entities"][0]["orders"]]


def _expected(order_id: str, user: str, lines: list[tuple[Any, int]]) -> dict[str, Any]:
    return {
        "data": {
            "placeOrder": {
                "id": order_id,
                "user": {"id": user},
                "total": sum(p.price * q for p, q in lines),
                "status": "PLACED",
                "items": [
                    {"product": {"upc": p.upc}, "quantity": q, "unitPrice": p.price}
                    for p, q in sorted(lines, key=lambda line: line[0].upc)
                ],
            }
        }
    }


def test_the_same_key_twice_places_one_order_and_reserves_once(stack: RunningStack) -> None:
    product, key = IN_STOCK[0], f"order-{uuid.uuid4()}"
    before, orders_before = _stock(stack, product.upc), _order_ids(stack, "2")
    first = _place(stack, key, [(product.upc, 2)], user="2")
    order_id = first["data"]["placeOrder"]["id"]
    assert first == _expected(order_id, "2", [(product, 2)])
    assert _place(stack, key, [(product.upc, 2)], user="2") == first
    assert _stock(stack, product.upc) == before - 2
    assert _order_ids(stack, "2") == [*orders_before, order_id]


def test_concurrent_duplicates_place_one_order(stack: RunningStack) -> None:
    product, key = IN_STOCK[1], f"order-{uuid.uuid4()}"
    before, orders_before = _stock(stack, product.upc), _order_ids(stack, "3")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: _place(stack, key, [(product.upc, 1)], user="3"), range(6))
        )
    order_id = answers[0]["data"]["placeOrder"]["id"]
    assert answers == [_expected(order_id, "3", [(product, 1)])] * 6
    assert _stock(stack, product.upc) == before - 1
    assert _order_ids(stack, "3") == [*orders_before, order_id]


def test_out_of_stock_places_nothing_and_takes_nothing(stack: RunningStack) -> None:
    available, key = IN_STOCK[2], f"order-{uuid.uuid4()}"
    before, orders_before = _stock(stack, available.upc), _order_ids(stack, "4")
    answer = _place(stack, key, [(available.upc, 1), (SOLD_OUT.upc, 1)], user="4")
    assert answer == {
        "data": None,
        "errors": [
            {
                "message": f"out of stock: {SOLD_OUT.upc}",
                "locations": [{"line": 1, "column": 38}],
                "path": ["placeOrder"],
                "extensions": {"code": "OUT_OF_STOCK", "upcs": [SOLD_OUT.upc]},
            }
        ],
    }
    assert _stock(stack, available.upc) == before
    assert _order_ids(stack, "4") == orders_before


def test_the_buyer_is_the_signed_caller_and_nobody_else(stack: RunningStack) -> None:
    product = IN_STOCK[3]
    answer = _place(stack, f"order-{uuid.uuid4()}", [(product.upc, 1)], user="5")
    assert answer == _expected(answer["data"]["placeOrder"]["id"], "5", [(product, 1)])
    unsigned = {"x-user-id": "5"}
    for headers in ({}, unsigned):
        refused = _place(stack, f"order-{uuid.uuid4()}", [(product.upc, 1)], headers=headers)
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]


def test_unknown_products_and_bad_quantities_are_client_errors(stack: RunningStack) -> None:
    unknown = _place(stack, f"order-{uuid.uuid4()}", [("000", 1)], user="1")
    assert [(e["message"], e["extensions"]) for e in unknown["errors"]] == [
        ("unknown products: 000", {"code": "UNKNOWN_PRODUCT"})
    ]
    zero = _place(stack, f"order-{uuid.uuid4()}", [(IN_STOCK[0].upc, 0)], user="1")
    assert [e["extensions"]["code"] for e in zero["errors"]] == ["BAD_USER_INPUT"]


async def test_stock_is_released_when_the_order_cannot_be_stored(
    stack: RunningStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An orders app whose store lost a table: the reservation is given back, and a retry with
    the same key (store repaired) places the order and reserves again."""
    monkeypatch.setenv("IDENTITY_HMAC_SECRET", SECRET)  # this app signs for inventory too
    product, key = IN_STOCK[4], f"order-{uuid.uuid4()}"
    before = _stock(stack, product.upc)
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    upstreams = Upstreams(stack.urls["products"], stack.urls["inventory"])
    app = create_app(db, upstreams)
    variables = {"input": {"idempotencyKey": key, "items": [{"upc": product.upc, "quantity": 3}]}}
    body = orjson.dumps({"query": PLACE, "variables": variables})
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        async with db.engine.begin() as connection:
            await connection.execute(text("DROP TABLE order_items"))
        failed = (await client.post("/graphql", content=body, headers=signed(body, "6"))).json()
        assert failed == {
            "data": None,
            "errors": [
                {
                    "message": "the order could not be stored",
                    "locations": [{"line": 1, "column": 38}],
                    "path": ["placeOrder"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ],
        }
        assert _stock(stack, product.upc) == before
        await db.create_schema()
        placed = (await client.post("/graphql", content=body, headers=signed(body, "6"))).json()
        assert placed == _expected(placed["data"]["placeOrder"]["id"], "6", [(product, 3)])
        assert _stock(stack, product.upc) == before - 3


def test_orders_is_degraded_not_down_without_its_upstreams(tmp_path: Path) -> None:
    """Orders alone (products and inventory unreachable): reads still work, /ready says why."""
    with running_stack(tmp_path, ["orders"], extra_env=ENV) as alone:
        ready = httpx.get(alone.base_url("orders") + "/ready", timeout=10).json()
        assert ready["status"] == "degraded"
        assert [ready["checks"][n]["ok"] for n in ("database", "products", "inventory")] == [
            True,
            False,
            False,
        ]
        owner = str(DATA.orders[0].user_id)
        order = _post(alone.urls["orders"], '{ order(id: "1") { id total } }', {}, user=owner)
        assert order == {"data": {"order": {"id": "1", "total": DATA.orders[0].total}}}
        failed = _place(alone, f"order-{uuid.uuid4()}", [(IN_STOCK[0].upc, 1)], user="1")
        assert [e["extensions"]["code"] for e in failed["errors"]] == ["UPSTREAM_ERROR"]
