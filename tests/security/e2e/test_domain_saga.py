"""Sagas that leave nothing behind (issue #11): the orders process is killed (SIGKILL) in the
middle of a burst of ``placeOrder`` calls; reservations whose order was never stored expire and
inventory's sweeper gives their stock back, and the restarted orders process confirms the orders
it did store. Stock ends at its starting value minus exactly what the stored orders hold. Real
products, inventory and orders processes; the expiry window is set to 2 s so the test is fast.

Whether a kill lands between an order's reservation and its insert is a matter of timing, so the
test also makes, signed as the orders service, the reservation an orders process dies right
after: at least one reservation without an order exists on every run, not just on lucky ones."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from servicekit.auth.forwarded import sign_identity
from servicekit.auth.service import sign_service
from subgraphs.seeding import SeedSizes, generate
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

SECRET = "saga-test-secret"
SEED = generate(SeedSizes())
STOCK = {s.upc: s.quantity for s in SEED.stock}
UPC = max(STOCK, key=lambda upc: STOCK[upc])
BUYER = "2"
PLACE = "mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"
STOCK_QUERY = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stockQuantity } } }"
)


@pytest.fixture
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    env = {name: {"IDENTITY_HMAC_SECRET": SECRET} for name in ("products", "inventory", "orders")}
    env["inventory"] |= {
        "INVENTORY_RESERVATION_TTL_SECONDS": "2",
        "INVENTORY_SWEEP_INTERVAL_SECONDS": "0.3",
    }
    names = ["products", "inventory", "orders"]
    with running_stack(
        tmp_path_factory.mktemp("saga"), names, extra_env=env, ready_timeout_seconds=180
    ) as running:
        yield running


def stock(stack: RunningStack) -> int:
    representation = {"__typename": "Product", "upc": UPC, "price": 1, "weight": 1}
    body = {"query": STOCK_QUERY, "variables": {"r": [representation]}}
    answer = httpx.post(stack.urls["inventory"], json=body, timeout=30).json()
    return int(answer["data"]["_entities"][0]["stockQuantity"])


def stored_units(stack: RunningStack, prefix: str) -> int:
    """Units of the burst's orders in the orders store (read straight from its file)."""
    path = make_url(stack.database_urls["orders"]).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        (units,) = connection.execute(
            "SELECT COALESCE(SUM(i.quantity), 0) FROM orders o "
            "JOIN order_items i ON i.order_id = o.id WHERE o.idempotency_key LIKE ?",
            (f"{BUYER}:{prefix}%",),
        ).fetchone()
    return int(units)


async def _place(client: httpx.AsyncClient, url: str, key: str) -> Any:
    body = json.dumps(
        {
            "query": PLACE,
            "variables": {"input": {"idempotencyKey": key, "items": [{"upc": UPC, "quantity": 1}]}},
        }
    ).encode()
    headers = {"content-type": "application/json", **sign_identity(SECRET, BUYER, [], body=body)}
    response = await client.post(url, content=body, headers=headers)
    return response.json()


def reserve_as_orders(stack: RunningStack, key: str, quantity: int) -> str:
    """What an orders process does just before it dies: reserve, then never store the order."""
    query = (
        "mutation R($key: String!, $items: [StockItemInput!]!) "
        "{ reserveStock(idempotencyKey: $key, items: $items) { status } }"
    )
    variables = {"key": key, "items": [{"upc": UPC, "quantity": quantity}]}
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {"content-type": "application/json"}
    headers |= sign_service(SECRET, "orders", "inventory", body)
    answer = httpx.post(stack.urls["inventory"], content=body, headers=headers, timeout=30).json()
    return str(answer["data"]["reserveStock"]["status"])


async def _burst_then_kill(stack: RunningStack, prefix: str) -> list[Any]:
    """40 orders, 20 in flight; orders is killed once the first answer arrived."""
    slots = asyncio.Semaphore(20)
    first = asyncio.Event()

    async def one(client: httpx.AsyncClient, index: int) -> Any:
        async with slots:
            answer = await _place(client, stack.urls["orders"], f"{prefix}{index}")
        first.set()
        return answer

    async with httpx.AsyncClient(timeout=30) as client:
        burst = asyncio.gather(*(one(client, i) for i in range(40)), return_exceptions=True)
        await asyncio.wait_for(first.wait(), timeout=60)
        await asyncio.to_thread(stack.processes["orders"].kill)
        return list(await burst)


async def test_killing_orders_mid_burst_leaves_no_stock_behind(stack: RunningStack) -> None:
    start = stock(stack)
    prefix = f"burst-{uuid.uuid4().hex[:8]}-"
    outcomes = await _burst_then_kill(stack, prefix)
    assert any(isinstance(o, httpx.TransportError) for o in outcomes), "nothing was cut off"
    assert reserve_as_orders(stack, f"{BUYER}:{prefix}crashed", 3) == "RESERVED"
    stack.processes["orders"].start(ready_timeout_seconds=180)  # confirms what it stored
    deadline = time.monotonic() + 30
    while True:
        expected = start - stored_units(stack, "burst-")
        current = stock(stack)
        if current == expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    print(f"\nsaga: start {start}, stored {start - expected}, now {current}")
    assert current == expected
