"""``placeOrder`` over real processes (products, inventory, orders, payments on free ports, sharing the
identity secret, events on Redis Streams): prices from products, the order answered ``PENDING``
at once and ``CONFIRMED`` by the saga once inventory reserved its stock under the caller's
idempotency key; exactly one order and one reservation per key even when retried or sent
concurrently; short stock ends ``CANCELLED`` with the reason and takes nothing; an order that
cannot be stored sends nothing to inventory. Requests carry the caller's signed identity as the
router sends it (:func:`tests.subgraphs.support.signed`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, text
from sqlmodel import col

from servicekit.events.store import OutboxEntry
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


NAMES = ["products", "inventory", "orders", "payments"]
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


def _settled(stack: RunningStack, order_id: str, user: str) -> dict[str, Any]:
    """Poll the order until its saga ended (bounded: 30 s is a hung saga, not the expected
    time); the answer's status and reason."""
    query = "query($id: ID!) { order(id: $id) { status statusReason } }"
    deadline = time.monotonic() + 30
    while True:
        order: dict[str, Any] = _post(stack.urls["orders"], query, {"id": order_id}, user=user)
        if order["data"]["order"]["status"] != "PENDING" or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


def _confirmed(order_id: str) -> dict[str, Any]:
    return {"data": {"order": {"status": "CONFIRMED", "statusReason": None}}}


def _expected(
    order_id: str, user: str, lines: list[tuple[Any, int]], status: str = "PENDING"
) -> dict[str, Any]:
    return {
        "data": {
            "placeOrder": {
                "id": order_id,
                "user": {"id": user},
                "total": sum(p.price * q for p, q in lines),
                "status": status,
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
    assert _settled(stack, order_id, "2") == _confirmed(order_id)
    again = _place(stack, key, [(product.upc, 2)], user="2")
    assert again == _expected(order_id, "2", [(product, 2)], "CONFIRMED")
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
    statuses = [a["data"]["placeOrder"]["status"] for a in answers]
    assert set(statuses) <= {"PENDING", "CONFIRMED"}  # a late duplicate may see the saga done
    assert answers == [_expected(order_id, "3", [(product, 1)], s) for s in statuses]
    assert _settled(stack, order_id, "3") == _confirmed(order_id)
    assert _stock(stack, product.upc) == before - 1
    assert _order_ids(stack, "3") == [*orders_before, order_id]


def test_out_of_stock_is_cancelled_and_takes_nothing(stack: RunningStack) -> None:
    available, key = IN_STOCK[2], f"order-{uuid.uuid4()}"
    before, orders_before = _stock(stack, available.upc), _order_ids(stack, "4")
    lines = [(available, 1), (SOLD_OUT, 1)]
    answer = _place(stack, key, [(p.upc, q) for p, q in lines], user="4")
    order_id = answer["data"]["placeOrder"]["id"]
    assert answer == _expected(order_id, "4", lines)
    assert _settled(stack, order_id, "4") == {
        "data": {"order": {"status": "CANCELLED", "statusReason": f"out of stock: {SOLD_OUT.upc}"}}
    }
    assert _stock(stack, available.upc) == before
    assert _order_ids(stack, "4") == [*orders_before, order_id]


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


async def test_an_order_that_cannot_be_stored_sends_nothing(
    stack: RunningStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An orders app (in this process, its events on a namespace nobody consumes) whose store
    lost a table: no order and no ``ReserveStock`` in its outbox (they share the transaction),
    and a retry with the same key (store repaired) stores the order PENDING with its command."""
    monkeypatch.setenv("IDENTITY_HMAC_SECRET", SECRET)  # this app signs for products too
    monkeypatch.setenv("EVENTS_NAMESPACE", f"unconsumed_{uuid.uuid4().hex[:8]}")
    product, key = IN_STOCK[4], f"order-{uuid.uuid4()}"
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    upstreams = Upstreams(stack.urls["products"])
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
        assert await _outbox(db) == []
        await db.create_schema()
        placed = (await client.post("/graphql", content=body, headers=signed(body, "6"))).json()
        order_id = placed["data"]["placeOrder"]["id"]
        assert placed == _expected(order_id, "6", [(product, 3)])
        reserve = {
            "order_id": int(order_id),
            "reservation_key": f"6:{key}",
            "lines": [{"upc": product.upc, "quantity": 3}],
        }
        commands = [p for t, p in await _outbox(db) if t == "ReserveStock"]
        assert [{k: p[k] for k in reserve} for p in commands] == [reserve]


async def _outbox(db: Any) -> list[tuple[str, dict[str, Any]]]:
    statement = select(OutboxEntry).order_by(col(OutboxEntry.id))
    async with db.session() as session:
        return [(r.event_type, r.payload) for r in (await session.scalars(statement)).all()]


def test_orders_is_degraded_not_down_without_its_upstreams(tmp_path: Path) -> None:
    """Orders alone (products unreachable): reads still work, /ready says why."""
    with running_stack(tmp_path, ["orders"], extra_env=ENV) as alone:
        ready = httpx.get(alone.base_url("orders") + "/ready", timeout=10).json()
        assert ready["status"] == "degraded"
        assert [ready["checks"][n]["ok"] for n in ("database", "products", "events")] == [
            True,
            False,
            True,
        ]
        owner = str(DATA.orders[0].user_id)
        order = _post(alone.urls["orders"], '{ order(id: "1") { id total } }', {}, user=owner)
        assert order == {"data": {"order": {"id": "1", "total": DATA.orders[0].total}}}
        failed = _place(alone, f"order-{uuid.uuid4()}", [(IN_STOCK[0].upc, 1)], user="1")
        assert [e["extensions"]["code"] for e in failed["errors"]] == ["UPSTREAM_ERROR"]
