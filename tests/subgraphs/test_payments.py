"""The payments subgraph as a real process (``subgraph serve payments`` on a free port, a seeded
SQLite store): payment methods made from Stripe's test cards (``createPaymentMethod``) and
Stripe's test payment method tokens charge as Stripe's test mode documents, a charge is
idempotent by order (a repeat answers the first payment, other parameters are a conflict, eight
concurrent charges make one payment), refunds happen once and say so when there is nothing to
refund, a refund that overtakes its charge makes the charge a decline, the internal mutations
answer the orders service only, payments are their buyer's only, and bad input is a clear
``BAD_USER_INPUT``.

Expected outcomes come from Stripe's test card and test PaymentMethod tables
(https://docs.stripe.com/testing), written out here, not from the provider's code; the store is
read to show no card number was kept."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.engine import make_url

from servicekit.auth.service import sign_service
from subgraphs.seeding import SeedSizes
from tests.subgraphs.support import SECRET, signed
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

DECLINE_ABOVE = 500_000
ENV = {"payments": {"IDENTITY_HMAC_SECRET": SECRET, "PAYMENTS_DECLINE_ABOVE_CENTS": "500000"}}
SIZES = SeedSizes(users=2, products=2, reviews_per_product=0, orders_per_user=1)
BUYER, OTHER = "7", "8"
ORDER_IDS = itertools.count(1000)

PAYMENT = "amount currency status method { brand last4 } failureReason refundReason order { id }"
CHARGE = f"mutation($input: ChargePaymentInput!) {{ chargePayment(input: $input) {{ {PAYMENT} }} }}"
CHARGE_WITH_ID = (
    "mutation($input: ChargePaymentInput!) "
    f"{{ chargePayment(input: $input) {{ id createdAt updatedAt {PAYMENT} }} }}"
)
REFUND = (
    "mutation($orderId: ID!, $reason: String!) { refundPayment(orderId: $orderId, reason: $reason)"
    f" {{ outcome payment {{ {PAYMENT} }} }} }}"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(
        tmp_path_factory.mktemp("payments"), ["payments"], extra_env=ENV, sizes=SIZES
    ) as running:
        yield running


def post(
    stack: RunningStack,
    query: str,
    variables: dict[str, Any],
    *,
    service: str | None = "orders",
    user: str | None = None,
) -> dict[str, Any]:
    """POST to payments signed as ``service`` (the orders service by default) or ``user``."""
    body = orjson.dumps({"query": query, "variables": variables})
    headers = {"content-type": "application/json"}
    if service is not None:
        headers |= sign_service(SECRET, service, "payments", body)
    if user is not None:
        headers |= signed(body, user)
    response = httpx.post(stack.urls["payments"], content=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def charge_input(
    order_id: int, method: str, amount: int = 2599, currency: str = "USD", buyer: str = BUYER
) -> dict[str, Any]:
    return {
        "orderId": str(order_id),
        "buyerId": buyer,
        "amount": amount,
        "currency": currency,
        "paymentMethod": method,
    }


CREATE = "mutation($card: String!) { createPaymentMethod(card: $card) { id brand last4 } }"


def create_method(stack: RunningStack, card: str) -> dict[str, Any]:
    return post(stack, CREATE, {"card": card}, service=None, user=BUYER)


def payment(
    order_id: int,
    status: str,
    brand: str,
    last4: str,
    failure: str | None = None,
    *,
    amount: int = 2599,
    refund: str | None = None,
) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "USD",
        "status": status,
        "method": {"brand": brand, "last4": last4},
        "failureReason": failure,
        "refundReason": refund,
        "order": {"id": str(order_id)},
    }


# Stripe's test cards (https://docs.stripe.com/testing) and what test mode answers for each.
TEST_CARDS = [
    ("4242424242424242", "CHARGED", "visa", "4242", None),
    ("4242 4242 4242 4242", "CHARGED", "visa", "4242", None),
    ("5555-5555-5555-4444", "CHARGED", "mastercard", "4444", None),
    ("378282246310005", "CHARGED", "amex", "0005", None),
    ("4000000000000002", "DECLINED", "visa", "0002", "card_declined"),
    ("4000000000009995", "DECLINED", "visa", "9995", "insufficient_funds"),
    ("4000000000009987", "DECLINED", "visa", "9987", "lost_card"),
    ("4000000000000069", "DECLINED", "visa", "0069", "expired_card"),
    ("4000000000000127", "DECLINED", "visa", "0127", "incorrect_cvc"),
    ("4242424242424241", "DECLINED", "visa", "4241", "incorrect_number"),  # fails the Luhn check
]
# Stripe's test PaymentMethods (the same page), usable without creating anything.
TEST_TOKENS = [
    ("pm_card_visa", "CHARGED", "visa", "4242", None),
    ("pm_card_mastercard", "CHARGED", "mastercard", "4444", None),
    ("pm_card_amex", "CHARGED", "amex", "0005", None),
    ("pm_card_visa_chargeDeclined", "DECLINED", "visa", "0002", "card_declined"),
    ("pm_card_chargeDeclined", "DECLINED", "visa", "0002", "card_declined"),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "DECLINED",
        "visa",
        "9995",
        "insufficient_funds",
    ),
    ("pm_card_visa_chargeDeclinedLostCard", "DECLINED", "visa", "9987", "lost_card"),
    ("pm_card_chargeDeclinedExpiredCard", "DECLINED", "visa", "0069", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "DECLINED", "visa", "0127", "incorrect_cvc"),
]


@pytest.mark.parametrize(("card", "status", "brand", "last4", "failure"), TEST_CARDS)
def test_test_cards_become_payment_methods_that_charge_as_stripe_documents(
    stack: RunningStack, card: str, status: str, brand: str, last4: str, failure: str | None
) -> None:
    created = create_method(stack, card)["data"]["createPaymentMethod"]
    assert re.fullmatch(r"pm_[0-9a-f]{24}", created["id"]), created
    assert created == {"id": created["id"], "brand": brand, "last4": last4}
    order_id = next(ORDER_IDS)
    answer = post(stack, CHARGE, {"input": charge_input(order_id, created["id"])})
    assert answer == {"data": {"chargePayment": payment(order_id, status, brand, last4, failure)}}
    digits = card.replace(" ", "").replace("-", "")
    assert no_card_number_in_store(stack, digits)


@pytest.mark.parametrize(("token", "status", "brand", "last4", "failure"), TEST_TOKENS)
def test_test_payment_methods_charge_as_stripe_documents(
    stack: RunningStack, token: str, status: str, brand: str, last4: str, failure: str | None
) -> None:
    order_id = next(ORDER_IDS)
    answer = post(stack, CHARGE, {"input": charge_input(order_id, token)})
    assert answer == {"data": {"chargePayment": payment(order_id, status, brand, last4, failure)}}


def no_card_number_in_store(stack: RunningStack, digits: str) -> bool:
    """No row of any table of the payments store holds the number (nor its last 12 digits)."""
    path = make_url(stack.database_urls["payments"]).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        text = " ".join(
            str(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        )
    return digits not in text and digits[-12:] not in text


def test_create_payment_method_needs_a_signed_in_user(stack: RunningStack) -> None:
    answer = post(stack, CREATE, {"card": "4242424242424242"}, service=None)
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["UNAUTHENTICATED"]


def test_amounts_above_the_configured_limit_are_declined(stack: RunningStack) -> None:
    at_limit, above = next(ORDER_IDS), next(ORDER_IDS)
    card = "pm_card_visa"
    assert post(stack, CHARGE, {"input": charge_input(at_limit, card, DECLINE_ABOVE)}) == {
        "data": {"chargePayment": payment(at_limit, "CHARGED", "visa", "4242", amount=500_000)}
    }
    assert post(stack, CHARGE, {"input": charge_input(above, card, DECLINE_ABOVE + 1)}) == {
        "data": {
            "chargePayment": payment(
                above, "DECLINED", "visa", "4242", "amount_too_large", amount=500_001
            )
        }
    }


def conflict(order_id: int) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {
                "message": f"order {order_id} already has a payment with other parameters",
                "locations": [{"line": 1, "column": 41}],
                "path": ["chargePayment"],
                "extensions": {"code": "PAYMENT_CONFLICT"},
            }
        ],
    }


def test_a_charge_is_idempotent_by_order_and_other_parameters_conflict(
    stack: RunningStack,
) -> None:
    order_id = next(ORDER_IDS)
    first = post(stack, CHARGE_WITH_ID, {"input": charge_input(order_id, "pm_card_visa")})
    again = post(stack, CHARGE_WITH_ID, {"input": charge_input(order_id, "pm_card_visa")})
    assert again == first  # the same payment: same id, same timestamps
    declined_first = next(ORDER_IDS)
    declined = post(
        stack, CHARGE, {"input": charge_input(declined_first, "pm_card_visa_chargeDeclined")}
    )
    assert post(
        stack, CHARGE, {"input": charge_input(declined_first, "pm_card_visa_chargeDeclined")}
    ) == (declined)
    for other in (
        charge_input(order_id, "pm_card_visa", amount=2600),
        charge_input(order_id, "pm_card_visa", currency="EUR"),
        charge_input(order_id, "pm_card_visa", buyer=OTHER),
        charge_input(order_id, "pm_card_mastercard"),
    ):
        assert post(stack, CHARGE, {"input": other}) == conflict(order_id)
    assert post(stack, CHARGE_WITH_ID, {"input": charge_input(order_id, "pm_card_visa")}) == (first)


def test_concurrent_charges_of_one_order_make_one_payment(stack: RunningStack) -> None:
    order_id = next(ORDER_IDS)
    variables = {"input": charge_input(order_id, "pm_card_visa")}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(stack, CHARGE_WITH_ID, variables), range(8)))
    assert all(answer == answers[0] for answer in answers)
    charged = answers[0]["data"]["chargePayment"]
    assert {k: v for k, v in charged.items() if k not in {"id", "createdAt", "updatedAt"}} == (
        payment(order_id, "CHARGED", "visa", "4242")
    )


def refund(stack: RunningStack, order_id: int, reason: str) -> dict[str, Any]:
    return post(stack, REFUND, {"orderId": str(order_id), "reason": reason})


def test_a_refund_returns_the_money_once_and_says_when_there_is_none(
    stack: RunningStack,
) -> None:
    charged, declined, unknown = next(ORDER_IDS), next(ORDER_IDS), next(ORDER_IDS)
    post(stack, CHARGE, {"input": charge_input(charged, "pm_card_visa")})
    post(
        stack,
        CHARGE,
        {"input": charge_input(declined, "pm_card_visa_chargeDeclinedInsufficientFunds")},
    )
    refunded = payment(charged, "REFUNDED", "visa", "4242", refund="out of stock")
    assert refund(stack, charged, "out of stock") == {
        "data": {"refundPayment": {"outcome": "REFUNDED", "payment": refunded}}
    }
    assert refund(stack, charged, "again") == {
        "data": {"refundPayment": {"outcome": "ALREADY_REFUNDED", "payment": refunded}}
    }
    assert refund(stack, declined, "out of stock") == {
        "data": {
            "refundPayment": {
                "outcome": "NOT_CHARGED",
                "payment": payment(declined, "DECLINED", "visa", "9995", "insufficient_funds"),
            }
        }
    }
    assert refund(stack, unknown, "payment step timed out") == {
        "data": {"refundPayment": {"outcome": "NO_PAYMENT", "payment": None}}
    }
    # The charge arrives after its compensation: declined, no money taken, and it stays so.
    late = payment(
        unknown, "DECLINED", "visa", "4242", "order_cancelled", refund="payment step timed out"
    )
    for _ in range(2):
        assert post(stack, CHARGE, {"input": charge_input(unknown, "pm_card_visa")}) == {
            "data": {"chargePayment": late}
        }
    assert refund(stack, unknown, "again") == {
        "data": {"refundPayment": {"outcome": "NOT_CHARGED", "payment": late}}
    }


def forbidden(field: str, column: int) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {
                "message": "payments are internal to the orders service",
                "locations": [{"line": 1, "column": column}],
                "path": [field],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
    }


@pytest.mark.parametrize(
    "signing",
    [
        {"service": None},  # nobody
        {"service": None, "user": BUYER},  # a signed-in user, even the buyer
        {"service": "inventory"},  # another service
    ],
)
def test_the_internal_mutations_answer_the_orders_service_only(
    stack: RunningStack, signing: dict[str, Any]
) -> None:
    order_id = next(ORDER_IDS)
    charge_variables = {"input": charge_input(order_id, "pm_card_visa")}
    assert post(stack, CHARGE, charge_variables, **signing) == forbidden("chargePayment", 41)
    refund_variables = {"orderId": str(order_id), "reason": "x"}
    assert post(stack, REFUND, refund_variables, **signing) == forbidden("refundPayment", 45)
    # Nothing was charged: the orders service's refund finds no payment.
    assert refund(stack, order_id, "check") == {
        "data": {"refundPayment": {"outcome": "NO_PAYMENT", "payment": None}}
    }


def bad_input(field: str, column: int, message: str, **extensions: Any) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": column}],
                "path": [field],
                "extensions": {"code": "BAD_USER_INPUT", **extensions},
            }
        ],
    }


def test_bad_input_is_a_clear_error_and_stores_nothing(stack: RunningStack) -> None:
    order_id = next(ORDER_IDS)
    visa = "pm_card_visa"
    cases = [
        (
            charge_input(order_id, "pm_" + "a" * 65),
            "paymentMethod is limited to 67 characters",
            {"argument": "paymentMethod", "maximum": 67},
        ),
        (
            charge_input(order_id, "4242424242424242"),
            "paymentMethod is a payment method token (pm_...), never a card number",
            {"argument": "paymentMethod"},
        ),
        (
            charge_input(order_id, "pm_never_issued"),
            "no such payment method: pm_never_issued",
            {"argument": "paymentMethod"},
        ),
        (
            charge_input(order_id, visa, amount=0),
            "amount must be 1 to 99999999 cents",
            {"argument": "amount", "maximum": 99_999_999},
        ),
        (
            charge_input(order_id, visa, amount=100_000_000),
            "amount must be 1 to 99999999 cents",
            {"argument": "amount", "maximum": 99_999_999},
        ),
        (
            charge_input(order_id, visa, currency="DOLLARS"),
            "currency must be an ISO 4217 code such as USD",
            {"argument": "currency", "maximum": 3},
        ),
        (
            {**charge_input(order_id, visa), "orderId": "abc"},
            "orderId must be a positive integer id",
            {"argument": "orderId"},
        ),
        (
            {**charge_input(order_id, visa), "buyerId": "0"},
            "buyerId must be a positive integer id",
            {"argument": "buyerId"},
        ),
    ]
    for variables, message, extensions in cases:
        answer = post(stack, CHARGE, {"input": variables})
        assert answer == bad_input("chargePayment", 41, message, **extensions), variables
    for card, message, extensions in [
        ("4" * 33, "card is limited to 32 characters", {"argument": "card", "maximum": 32}),
        ("4242-abcd", "a card number is 12 to 19 digits", {"argument": "card"}),
    ]:
        answer = create_method(stack, card)
        assert answer == bad_input("createPaymentMethod", 28, message, **extensions), card
    too_long = {"orderId": str(order_id), "reason": "r" * 501}
    assert post(stack, REFUND, too_long) == bad_input(
        "refundPayment",
        45,
        "reason is limited to 500 characters",
        argument="reason",
        maximum=500,
    )
    assert post(stack, REFUND, {"orderId": str(order_id), "reason": "  "}) == bad_input(
        "refundPayment", 45, "reason must not be empty", argument="reason"
    )
    # None of it stored anything: the order is charged normally now (lower-case currency too).
    assert post(stack, CHARGE, {"input": charge_input(order_id, visa, currency="usd")}) == {
        "data": {"chargePayment": payment(order_id, "CHARGED", "visa", "4242")}
    }


PAYMENT_QUERY = f"query($id: ID!) {{ payment(id: $id) {{ id {PAYMENT} }} }}"
ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) "
    f"{{ ... on Order {{ id payment {{ {PAYMENT} }} }} ... on Payment {{ id amount }} }} }}"
)


def test_a_payment_is_visible_to_its_buyer_only(stack: RunningStack) -> None:
    order_id = next(ORDER_IDS)
    charged = post(stack, CHARGE_WITH_ID, {"input": charge_input(order_id, "pm_card_visa")})
    payment_id = charged["data"]["chargePayment"]["id"]
    mine = {"id": payment_id, **payment(order_id, "CHARGED", "visa", "4242")}
    variables = {"id": payment_id}
    assert post(stack, PAYMENT_QUERY, variables, service=None, user=BUYER) == {
        "data": {"payment": mine}
    }
    assert post(stack, PAYMENT_QUERY, variables, service=None, user=OTHER) == {
        "data": {"payment": None}
    }
    assert post(stack, PAYMENT_QUERY, {"id": "999999"}, service=None, user=BUYER) == {
        "data": {"payment": None}
    }
    assert post(stack, PAYMENT_QUERY, variables, service=None) == {
        "data": {"payment": None},
        "errors": [
            {
                "message": "payment needs a signed-in user",
                "locations": [{"line": 1, "column": 19}],
                "path": ["payment"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ],
    }
    representations = [
        {"__typename": "Order", "id": str(order_id)},
        {"__typename": "Order", "id": "424242"},
        {"__typename": "Payment", "id": payment_id},
    ]
    as_buyer = post(stack, ENTITIES, {"r": representations}, service=None, user=BUYER)
    assert as_buyer == {
        "data": {
            "_entities": [
                {"id": str(order_id), "payment": payment(order_id, "CHARGED", "visa", "4242")},
                {"id": "424242", "payment": None},
                {"id": payment_id, "amount": 2599},
            ]
        }
    }
    as_other = post(stack, ENTITIES, {"r": representations}, service=None, user=OTHER)
    assert as_other == {
        "data": {
            "_entities": [
                {"id": str(order_id), "payment": None},
                {"id": "424242", "payment": None},
                None,
            ]
        }
    }
