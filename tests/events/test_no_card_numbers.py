"""No card number is kept anywhere on the order's way (issue #15 follow-up): the buyer turns a
card into a payment method token at payments (``createPaymentMethod``, Stripe.js's role), the
order stores and sends only the token, and payments charges it. Afterwards no row of any store
(orders, with its outbox and inbox; inventory; payments) and no message on the broker's streams
holds the number or its first twelve digits; ``placeOrder`` refuses a card number given as the
payment method, storing nothing. Real processes on the machine's Redis Streams (the outbox rows
are the published messages, the same on every broker)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from tests.events.saga import PLACE, STOCK, place, post, rows, saga_stack, settle
from tests.events.support import BROKERS
from tests.support.stack import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CARD = "5555555555554444"  # Stripe's mastercard test number
CREATE = "mutation($card: String!) { createPaymentMethod(card: $card) { id brand last4 } }"
UPC = sorted(upc for upc, quantity in STOCK.items() if quantity >= 10)[0]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RunningStack]:
    with saga_stack(tmp_path, BROKERS["redis"]) as running:
        yield running


def _store_text(stack: RunningStack, store: str) -> str:
    path = make_url(stack.database_urls[store]).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return " ".join(
            repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        )


async def _broker_text(namespace: str) -> str:
    client = Redis.from_url(BROKERS["redis"])
    try:
        streams = [key async for key in client.scan_iter(match=f"{namespace}.*")]
        return " ".join([repr(await client.xrange(stream)) for stream in streams])
    finally:
        await client.aclose()


async def test_orders_outbox_and_events_hold_a_token_never_the_card_number(
    stack: RunningStack,
) -> None:
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=60) as client:
        created = await post(client, stack.urls["payments"], CREATE, {"card": CARD}, 2)
        method = created["data"]["createPaymentMethod"]
        assert (method["brand"], method["last4"]) == ("mastercard", "4444"), created
        token = method["id"]
        placed = await place(client, stack, 2, f"tok-{run}", [(UPC, 1)], payment_method=token)
        order_id = placed["data"]["placeOrder"]["id"]
        settled = await settle(client, stack, order_id, 2)
        assert (settled["status"], settled["statusReason"]) == ("CONFIRMED", None)
        refused_input = {
            "idempotencyKey": f"pan-{run}",
            "items": [{"upc": UPC, "quantity": 1}],
            "paymentMethod": CARD,
        }
        refused = await post(client, stack.urls["orders"], PLACE, {"input": refused_input}, 2)
    assert refused["data"] is None
    assert [(e["message"], e["extensions"]) for e in refused["errors"]] == [
        (
            "paymentMethod is a payment method token (pm_...), never a card number",
            {"code": "BAD_USER_INPUT", "argument": "paymentMethod"},
        )
    ]
    assert rows(
        stack, "orders", "SELECT COUNT(*) FROM orders WHERE idempotency_key = ?", f"2:pan-{run}"
    ) == [(0,)]
    # The order and its ChargePayment carry the token; payments charged it, showing brand/last4.
    assert rows(
        stack, "orders", "SELECT payment_method FROM orders WHERE id = ?", int(order_id)
    ) == [(token,)]
    charges = [
        orjson.loads(payload)
        for (payload,) in rows(
            stack, "orders", "SELECT payload FROM event_outbox WHERE event_type = 'ChargePayment'"
        )
    ]
    assert {(c["order_id"], c["payment_method"], c["version"]) for c in charges} == {
        (int(order_id), token, 2)
    }
    sql = "SELECT status, payment_method, method_brand, method_last4 FROM payments"
    charged = rows(stack, "payments", f"{sql} WHERE order_id = ?", int(order_id))
    assert charged == [("CHARGED", token, "mastercard", "4444")]
    # Nowhere the number, nor its first twelve digits (a last4 alone is allowed, PCI DSS 3.4).
    places = {store: _store_text(stack, store) for store in ("orders", "inventory", "payments")}
    places["broker"] = await _broker_text(stack.events_namespace)
    assert token in places["orders"] and token in places["broker"]
    assert {name: CARD[:12] in text for name, text in places.items()} == {
        "orders": False,
        "inventory": False,
        "payments": False,
        "broker": False,
    }
