"""A ``ChargePayment`` version 1 still on the broker at upgrade (it carried the card number)
is upcast to version 2 (servicekit/events/contracts.py) by the v2 payments consumer: the
saga's payment is charged with the test card's token and the number is kept nowhere.

Real processes on the machine's Redis Streams (a namespace of the stack's own): payments is
killed, three orders are placed (their ChargePayment v2 commands wait on the stream), the
commands are replaced on the stream by the v1 envelopes an older orders service would have
published for the same orders (same event ids, a card instead of a token, and a different
method than the v2 one, so the charge shows which message was handled), then payments comes
back. Stripe's test cards map to their test tokens (4242424242424242 -> pm_card_visa,
4000000000000002 -> pm_card_chargeDeclined); any other number to the default method."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from redis.asyncio import Redis

from servicekit.events.bus import EventBus
from servicekit.events.contracts import ChargePayment, parse
from tests.events.saga import PRICES, STOCK, place, rows, saga_stack, settle
from tests.events.support import BROKERS, eventually
from tests.support.stack import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

UPC = sorted(upc for upc, quantity in STOCK.items() if quantity >= 10)[0]
CARDS = {  # user -> (the v1 card, the v2 method orders sent, the token the v1 card maps to)
    5: ("4242424242424242", "pm_card_mastercard", "pm_card_visa"),
    6: ("4000 0000 0000 0002", "pm_card_visa", "pm_card_chargeDeclined"),
    7: ("4111111111111111", "pm_card_amex", "pm_card_visa"),  # not a Stripe test card
}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RunningStack]:
    patient = {  # no resend nor timeout of the payment step while payments is down
        "ORDERS_RESEND_AFTER_SECONDS": "600",
        "ORDERS_PAYMENT_TIMEOUT_SECONDS": "600",
    }
    with saga_stack(tmp_path, BROKERS["redis"], extra={"orders": patient}) as running:
        yield running


def _charges(stack: RunningStack) -> list[dict[str, Any]]:
    sql = "SELECT payload FROM event_outbox WHERE event_type = 'ChargePayment' ORDER BY id"
    return [orjson.loads(row[0]) for row in rows(stack, "orders", sql)]


def _published(stack: RunningStack) -> int:
    sql = (
        "SELECT COUNT(*) FROM event_outbox WHERE event_type = 'ChargePayment' "
        "AND published_at IS NOT NULL"
    )
    return int(rows(stack, "orders", sql)[0][0])


def _v1(command: dict[str, Any], card: str) -> dict[str, Any]:
    """The envelope ChargePayment version 1 was (servicekit/events/contracts.py's docstring
    and subgraphs/orders/migrations/versions/r0002_payment_method_token.py), written out."""
    return {
        "id": command["id"],
        "type": "ChargePayment",
        "version": 1,
        "occurred_at": command["occurred_at"],
        "correlation_id": command["correlation_id"],
        "order_id": command["order_id"],
        "buyer_id": command["buyer_id"],
        "amount": command["amount"],
        "currency": command["currency"],
        "card": card,
    }


async def test_a_v1_charge_left_on_the_broker_is_charged_with_its_token(
    stack: RunningStack,
) -> None:
    ns, url = stack.events_namespace, BROKERS["redis"]
    stream = f"{ns}.ChargePayment"
    run = uuid.uuid4().hex[:8]
    await asyncio.to_thread(stack.processes["payments"].kill)
    async with httpx.AsyncClient(timeout=60) as client:
        answers = await asyncio.gather(
            *(
                place(client, stack, user, f"v1-{run}-{user}", [(UPC, 1)], m)
                for user, (_, m, _) in CARDS.items()
            )
        )
        ids = {
            user: answer["data"]["placeOrder"]["id"]
            for user, answer in zip(CARDS, answers, strict=True)
        }

        async def all_published() -> bool:
            return _published(stack) == len(CARDS)

        await eventually(all_published, "orders published the three v2 commands", 60)
        commands = {c["buyer_id"]: c for c in _charges(stack)}
        assert {u: c["payment_method"] for u, c in commands.items()} == {
            u: method for u, (_, method, _) in CARDS.items()
        }
        client_redis = Redis.from_url(url)
        bus = EventBus(url, ns)
        try:
            entries = await client_redis.xrange(stream)
            assert len(entries) == len(CARDS)  # payments (dead) never read them
            await client_redis.xdel(stream, *[entry_id for entry_id, _ in entries])
            await bus.start()
            for user, (card, _, _) in CARDS.items():
                await bus.publish_raw("ChargePayment", _v1(commands[user], card))
        finally:
            await bus.stop()
            await client_redis.aclose()
        await asyncio.to_thread(stack.processes["payments"].start, ready_timeout_seconds=180)
        outcomes = {user: await settle(client, stack, ids[user], user) for user in CARDS}
    assert {user: order["status"] for user, order in outcomes.items()} == {
        5: "CONFIRMED",
        6: "CANCELLED",
        7: "CONFIRMED",
    }
    sql = "SELECT status, amount, payment_method, failure_reason FROM payments WHERE order_id = ?"
    payments = {user: rows(stack, "payments", sql, int(ids[user])) for user in CARDS}
    assert payments == {
        5: [("CHARGED", PRICES[UPC], "pm_card_visa", None)],
        6: [("DECLINED", PRICES[UPC], "pm_card_chargeDeclined", "card_declined")],
        7: [("CHARGED", PRICES[UPC], "pm_card_visa", None)],
    }
    # The numbers are nowhere on payments' side: its store, its log, a dead letter.
    store = repr(rows(stack, "payments", "SELECT * FROM event_inbox")) + repr(
        rows(stack, "payments", "SELECT * FROM payments")
    )
    log = stack.processes["payments"].log_path
    assert log is not None
    text = store + log.read_text(errors="replace")
    for card, _, _ in CARDS.values():
        digits = card.replace(" ", "")
        assert digits not in text and digits[:12] not in text
    redis = Redis.from_url(url)
    try:
        assert await redis.exists(f"{stream}.dlq") == 0
    finally:
        await redis.aclose()


def test_upcasting_maps_test_cards_and_drops_every_number() -> None:
    """The upcaster alone (no broker): the hand-written Stripe test-card table of the issue."""
    base = {"id": "e1", "type": "ChargePayment", "version": 1, "order_id": 1, "buyer_id": 2}
    cases = {
        "4242424242424242": "pm_card_visa",
        "4000-0000-0000-0002": "pm_card_chargeDeclined",
        "5555555555554444": "pm_card_mastercard",
        "4111111111111111": "pm_card_visa",
        "": "pm_card_visa",
    }
    for card, token in cases.items():
        event = parse({**base, "amount": 100, "currency": "USD", "card": card})
        assert event == ChargePayment(
            id="e1",
            occurred_at=event.occurred_at,
            order_id=1,
            buyer_id=2,
            amount=100,
            payment_method=token,
        )
