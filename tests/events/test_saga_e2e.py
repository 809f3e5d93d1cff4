"""The order saga end to end over real processes (products, inventory, orders, payments) on each
real broker of this machine: Redis Streams, NATS JetStream, RabbitMQ. Three orders run at once
per broker: one succeeds (CONFIRMED, stock taken once, payment CHARGED for the total, the
reservation confirmed), one is declined by the card (CANCELLED, stock back where it started,
payment DECLINED, reservation released), one asks for a sold-out product (CANCELLED, no stock
taken, no charge at all). The status history shows each path step by step."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.events.saga import DECLINED_METHOD, PRICES, STOCK, place, rows, saga_stack, settle, stock
from tests.events.support import BROKERS, eventually
from tests.support.stack import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

IN_STOCK = sorted(upc for upc, quantity in STOCK.items() if quantity >= 10)
SOLD_OUT = sorted(upc for upc, quantity in STOCK.items() if quantity == 0)[0]


@pytest.fixture(params=list(BROKERS))
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningStack]:
    with saga_stack(tmp_path, BROKERS[str(request.param)]) as running:
        yield running


def _payment(stack: RunningStack, order_id: str) -> list[tuple[object, ...]]:
    sql = "SELECT status, amount, failure_reason FROM payments WHERE order_id = ?"
    return rows(stack, "payments", sql, int(order_id))


async def _commands_handled(stack: RunningStack) -> bool:
    types = "('ReserveStock', 'ReleaseStock', 'ConfirmStock')"
    sent = rows(stack, "orders", f"SELECT event_id FROM event_outbox WHERE event_type IN {types}")
    handled = rows(
        stack, "inventory", f"SELECT event_id FROM event_inbox WHERE event_type IN {types}"
    )
    return set(sent) <= set(handled)


def _reservation(stack: RunningStack, key: str) -> list[tuple[object, ...]]:
    sql = "SELECT status FROM stock_reservations WHERE idempotency_key = ?"
    return rows(stack, "inventory", sql, key)


async def test_confirmed_declined_and_short_orders(stack: RunningStack) -> None:
    ok_upc, declined_upc, other_upc = IN_STOCK[0], IN_STOCK[1], IN_STOCK[2]
    before = {upc: stock(stack, upc) for upc in (ok_upc, declined_upc, other_upc)}
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=60) as client:
        ok, declined, short = await asyncio.gather(
            place(client, stack, 2, f"ok-{run}", [(ok_upc, 2)]),
            place(
                client, stack, 3, f"no-{run}", [(declined_upc, 1)], payment_method=DECLINED_METHOD
            ),
            place(client, stack, 4, f"short-{run}", [(other_upc, 1), (SOLD_OUT, 1)]),
        )
        ids = [answer["data"]["placeOrder"]["id"] for answer in (ok, declined, short)]
        totals = [2 * PRICES[ok_upc], PRICES[declined_upc], PRICES[other_upc] + PRICES[SOLD_OUT]]
        assert [ok, declined, short] == [
            {"data": {"placeOrder": {"id": i, "status": "PENDING", "total": t}}}
            for i, t in zip(ids, totals, strict=True)
        ]
        outcomes = await asyncio.gather(
            *(settle(client, stack, i, user) for i, user in zip(ids, (2, 3, 4), strict=True))
        )
    reserving = {"status": "PENDING", "step": "RESERVING_STOCK", "reason": None}
    charging = {"status": "PENDING", "step": "CHARGING_PAYMENT", "reason": None}
    refused = "payment declined: card_declined"
    sold_out = f"out of stock: {SOLD_OUT}"
    assert outcomes == [
        {
            "id": ids[0],
            "status": "CONFIRMED",
            "statusReason": None,
            "statusHistory": [
                reserving,
                charging,
                {"status": "CONFIRMED", "step": None, "reason": None},
            ],
        },
        {
            "id": ids[1],
            "status": "CANCELLED",
            "statusReason": refused,
            "statusHistory": [
                reserving,
                charging,
                {"status": "CANCELLED", "step": None, "reason": refused},
            ],
        },
        {
            "id": ids[2],
            "status": "CANCELLED",
            "statusReason": sold_out,
            "statusHistory": [reserving, {"status": "CANCELLED", "step": None, "reason": sold_out}],
        },
    ]
    # Stock and payments reconcile: taken once for the confirmed order, given back for the
    # declined one (compensation), never taken for the short one; one charge, one decline. The
    # compensation (ReleaseStock) is written with the cancellation and handled by inventory
    # after it: wait for inventory to have handled every command orders sent, then compare.
    await eventually(lambda: _commands_handled(stack), "inventory handled orders' commands", 60)
    assert {upc: stock(stack, upc) for upc in before} == {
        ok_upc: before[ok_upc] - 2,
        declined_upc: before[declined_upc],
        other_upc: before[other_upc],
    }
    assert [_payment(stack, i) for i in ids] == [
        [("CHARGED", totals[0], None)],
        [("DECLINED", totals[1], "card_declined")],
        [],
    ]
    assert [
        _reservation(stack, key) for key in (f"2:ok-{run}", f"3:no-{run}", f"4:short-{run}")
    ] == [[("CONFIRMED",)], [("RELEASED",)], []]
