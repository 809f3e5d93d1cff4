"""Helpers of the saga tests: a products + inventory + orders + payments stack on one broker,
signed GraphQL calls, and the stores read straight from their SQLite files (the truth the
tests reconcile)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.engine import make_url

from servicekit.auth.forwarded import sign_identity
from subgraphs.seeding import SeedSizes, generate
from tests.events.support import delete_namespace
from tests.support.stack import RunningStack, running_stack

__all__ = [
    "DECLINED_METHOD",
    "NAMES",
    "PLACE",
    "SECRET",
    "STOCK",
    "place",
    "post",
    "rows",
    "saga_stack",
    "settle",
    "stock",
]

SECRET = "saga-e2e-secret"
NAMES = ["products", "inventory", "orders", "payments"]
SEED = generate(SeedSizes())
STOCK = {s.upc: s.quantity for s in SEED.stock}
PRICES = {p.upc: p.price for p in SEED.products}
DECLINED_METHOD = "pm_card_visa_chargeDeclined"  # Stripe's test payment method: card_declined
GROUPS = {
    "orders": ["StockReserved", "StockReservationFailed", "PaymentCharged", "PaymentDeclined"],
    "inventory": ["ReserveStock", "ReleaseStock", "ConfirmStock"],
    "payments": ["ChargePayment", "RefundPayment"],
}
PLACE = "mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id status total } }"
ORDER = (
    "query O($id: ID!) { order(id: $id) { id status statusReason "
    "statusHistory { status step reason } } }"
)


@contextmanager
def saga_stack(
    tmp_path: Path, broker_url: str, extra: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[RunningStack]:
    env: dict[str, dict[str, str]] = {
        name: {"IDENTITY_HMAC_SECRET": SECRET, "EVENTS_BROKER_URL": broker_url} for name in NAMES
    }
    for name, values in (extra or {}).items():
        env[name] |= values
    with running_stack(tmp_path, NAMES, extra_env=env, ready_timeout_seconds=180) as stack:
        try:
            yield stack
        finally:
            queues = [
                f"{stack.events_namespace}.{group}.{t}" for group, ts in GROUPS.items() for t in ts
            ]
            cleanup = delete_namespace(broker_url, stack.events_namespace, queues)
            with ThreadPoolExecutor(max_workers=1) as pool:  # callers may be in an event loop
                pool.submit(asyncio.run, cleanup).result(timeout=60)


def _signed(body: bytes, user: int) -> dict[str, str]:
    return {"content-type": "application/json", **sign_identity(SECRET, str(user), [], body=body)}


async def post(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any], user: int
) -> Any:
    body = orjson.dumps({"query": query, "variables": variables})
    response = await client.post(url, content=body, headers=_signed(body, user))
    return response.json()


async def place(
    client: httpx.AsyncClient,
    stack: RunningStack,
    user: int,
    key: str,
    lines: list[tuple[str, int]],
    payment_method: str | None = None,
) -> Any:
    order_input: dict[str, Any] = {
        "idempotencyKey": key,
        "items": [{"upc": upc, "quantity": quantity} for upc, quantity in lines],
    }
    if payment_method is not None:
        order_input["paymentMethod"] = payment_method
    return await post(client, stack.urls["orders"], PLACE, {"input": order_input}, user)


async def settle(
    client: httpx.AsyncClient, stack: RunningStack, order_id: str, user: int, limit: float = 60
) -> Any:
    """The order once its saga ended (bounded: ``limit`` seconds is a hung saga)."""
    deadline = time.monotonic() + limit
    while True:
        answer = await post(client, stack.urls["orders"], ORDER, {"id": order_id}, user)
        order = answer["data"]["order"]
        if order["status"] != "PENDING" or time.monotonic() > deadline:
            return order
        await asyncio.sleep(0.05)


def rows(stack: RunningStack, store: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of a service's SQLite store, read-only."""
    path = make_url(stack.database_urls[store]).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        return list(connection.execute(sql, args).fetchall())


def stock(stack: RunningStack, upc: str) -> int:
    return int(rows(stack, "inventory", "SELECT quantity FROM stock WHERE upc = ?", upc)[0][0])
