"""Payments and the products admin mutation through the real router (JWT, signed identity) over
the six real subgraph processes: ``Order.payment`` joins orders and payments for the order's
buyer only (not another user, not even an ``orders:admin`` caller), ``User.orders { payment }``
joins many orders in one batch, and ``updateProductPrice`` is refused without the
``products:admin`` scope (by the router, and by products itself when called directly) and
accepted with it.

Expected values come from what each test does (the order it placed, the card it charged, Stripe's
test card table) and the seed's orders; seeded payments follow the documented demo rule: the
order's total, ``REFUNDED`` for a cancelled order, else ``CHARGED``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from servicekit.auth.forwarded import sign_identity
from servicekit.auth.service import sign_service
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import SECRET, Platform, routers, running_platform

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
OWNER, OTHER = SEED.users[2], SEED.users[3]
STOCK = {s.upc: s.quantity for s in SEED.stock}
PRODUCT = next(p for p in SEED.products if STOCK[p.upc] >= 20)
REPRICED = next(p for p in reversed(SEED.products) if p.upc != PRODUCT.upc)

PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id total status } }"
CHARGE = "mutation($input: ChargePaymentInput!) { chargePayment(input: $input) { status } }"
ORDER = (
    "query($id: ID!) { order(id: $id) { id total payment { amount currency status "
    "method { brand last4 } failureReason order { id total } } } }"
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("payments-router")) as running:
        yield running


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only


def ask(
    router: RunningRouter,
    platform: Platform,
    query: str,
    variables: dict[str, Any],
    user: int | None,
    *scopes: str,
) -> dict[str, Any]:
    headers = {}
    if user is not None:
        token = platform.token(str(user), ("read:orders", *scopes))
        headers["authorization"] = f"Bearer {token}"
    response = httpx.post(
        router.graphql_url,
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )
    answer: dict[str, Any] = response.json()
    return answer


CREATE_METHOD = "mutation($card: String!) { createPaymentMethod(card: $card) { id brand last4 } }"


def place(router: RunningRouter, platform: Platform, quantity: int, method: str) -> tuple[str, int]:
    """An order of ``quantity`` items of PRODUCT for OWNER paid with the payment method token
    ``method``; its id and total. The order's saga charges the same method as the test's own
    :func:`charge` (payments is idempotent by order), so whichever charge comes first, the
    payment is the same."""
    order_input = {
        "idempotencyKey": f"pay-{uuid.uuid4()}",
        "items": [{"upc": PRODUCT.upc, "quantity": quantity}],
        "paymentMethod": method,
    }
    placed = ask(router, platform, PLACE, {"input": order_input}, OWNER.id)
    order = placed["data"]["placeOrder"]
    assert order["total"] == quantity * PRODUCT.price, placed
    return order["id"], order["total"]


def charge(platform: Platform, order_id: str, amount: int, method: str) -> str:
    """Charge as the orders service does (signed service identity), straight to payments."""
    variables = {
        "input": {
            "orderId": order_id,
            "buyerId": str(OWNER.id),
            "amount": amount,
            "currency": "USD",
            "paymentMethod": method,
        }
    }
    body = orjson.dumps({"query": CHARGE, "variables": variables})
    headers = {
        "content-type": "application/json",
        **sign_service(SECRET, "orders", "payments", body),
    }
    response = httpx.post(
        platform.stack.urls["payments"], content=body, headers=headers, timeout=30
    )
    status: str = response.json()["data"]["chargePayment"]["status"]
    return status


def test_order_payment_is_joined_for_the_buyer_only(
    platform: Platform, router: RunningRouter
) -> None:
    # The buyer's page turns the card into a token through the router (Stripe.js's role).
    created = ask(router, platform, CREATE_METHOD, {"card": "5555 5555 5555 4444"}, OWNER.id)
    method = created["data"]["createPaymentMethod"]
    assert (method["brand"], method["last4"]) == ("mastercard", "4444"), created
    order_id, total = place(router, platform, 2, method["id"])
    assert charge(platform, order_id, total, method["id"]) == "CHARGED"
    mine = {
        "data": {
            "order": {
                "id": order_id,
                "total": total,
                "payment": {
                    "amount": total,
                    "currency": "USD",
                    "status": "CHARGED",
                    "method": {"brand": "mastercard", "last4": "4444"},
                    "failureReason": None,
                    "order": {"id": order_id, "total": total},
                },
            }
        }
    }
    variables = {"id": order_id}
    assert ask(router, platform, ORDER, variables, OWNER.id) == mine
    assert ask(router, platform, ORDER, variables, OTHER.id) == {"data": {"order": None}}
    # An orders admin sees the order, not its payment: a payment is its buyer's only.
    admin = ask(router, platform, ORDER, variables, OTHER.id, "orders:admin")
    assert admin == {"data": {"order": {"id": order_id, "total": total, "payment": None}}}


def test_a_declined_payment_shows_its_reason(platform: Platform, router: RunningRouter) -> None:
    order_id, total = place(router, platform, 1, "pm_card_visa_chargeDeclined")
    assert charge(platform, order_id, total, "pm_card_visa_chargeDeclined") == "DECLINED"
    answer = ask(router, platform, ORDER, {"id": order_id}, OWNER.id)
    assert answer["data"]["order"]["payment"] == {
        "amount": total,
        "currency": "USD",
        "status": "DECLINED",
        "method": {"brand": "visa", "last4": "0002"},
        "failureReason": "card_declined",
        "order": {"id": order_id, "total": total},
    }


USER_ORDERS = (
    "query($id: ID!) { user(id: $id) { orders(first: 100) { id payment { amount status } } } }"
)


def test_the_seeded_orders_payments_in_one_query(platform: Platform, router: RunningRouter) -> None:
    """Every order of the user with its payment (one ``_entities`` fetch of payments for all)."""
    answer = ask(router, platform, USER_ORDERS, {"id": str(OTHER.id)}, OTHER.id)
    seeded = [o for o in SEED.orders if o.user_id == OTHER.id]
    assert len(seeded) == 2
    assert answer == {
        "data": {
            "user": {
                "orders": [
                    {
                        "id": str(o.id),
                        "payment": {
                            "amount": o.total,
                            "status": "REFUNDED" if o.status == "CANCELLED" else "CHARGED",
                        },
                    }
                    for o in seeded
                ]
            }
        }
    }


def test_payment_by_id_needs_a_login(platform: Platform, router: RunningRouter) -> None:
    query = 'query { payment(id: "1") { amount } }'
    assert ask(router, platform, query, {}, None) == {
        "data": {"payment": None},
        "errors": [
            {
                "message": "payment needs a signed-in user",
                "path": ["payment"],
                "extensions": {"code": "UNAUTHENTICATED", "service": "payments"},
            }
        ],
    }


UPDATE_PRICE = (
    "mutation($upc: String!, $price: Int!) { updateProductPrice(upc: $upc, price: $price) "
    "{ upc name price } }"
)
PRODUCT_PRICE = "query($upc: String!) { product(upc: $upc) { upc price } }"


def test_update_product_price_needs_the_products_admin_scope(
    platform: Platform, router: RunningRouter
) -> None:
    variables = {"upc": REPRICED.upc, "price": REPRICED.price + 100}
    unauthorized = {
        "data": None,
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["updateProductPrice"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
    }
    assert ask(router, platform, UPDATE_PRICE, variables, None) == unauthorized
    assert ask(router, platform, UPDATE_PRICE, variables, OWNER.id) == unauthorized
    assert ask(router, platform, UPDATE_PRICE, variables, OWNER.id, "orders:admin") == unauthorized
    # Called directly, products refuses a signed-in caller without the scope too.
    body = orjson.dumps({"query": UPDATE_PRICE, "variables": variables})
    headers = {"content-type": "application/json"}
    headers |= sign_identity(SECRET, str(OWNER.id), ("read:orders",), body=body)
    direct = httpx.post(platform.stack.urls["products"], content=body, headers=headers, timeout=30)
    assert direct.json() == {
        "data": None,
        "errors": [
            {
                "message": "updateProductPrice needs the products:admin scope",
                "locations": [{"line": 1, "column": 41}],
                "path": ["updateProductPrice"],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
    }
    price = {"upc": REPRICED.upc, "price": REPRICED.price}
    assert ask(router, platform, PRODUCT_PRICE, {"upc": REPRICED.upc}, None) == {
        "data": {"product": price}
    }
    accepted = ask(router, platform, UPDATE_PRICE, variables, OWNER.id, "products:admin")
    assert accepted == {
        "data": {
            "updateProductPrice": {
                "upc": REPRICED.upc,
                "name": REPRICED.name,
                "price": REPRICED.price + 100,
            }
        }
    }
    assert ask(router, platform, PRODUCT_PRICE, {"upc": REPRICED.upc}, None) == {
        "data": {"product": {"upc": REPRICED.upc, "price": REPRICED.price + 100}}
    }


def test_update_product_price_refuses_bad_input(platform: Platform, router: RunningRouter) -> None:
    def update(upc: str, price: int) -> dict[str, Any]:
        variables = {"upc": upc, "price": price}
        return ask(router, platform, UPDATE_PRICE, variables, OWNER.id, "products:admin")

    def error(message: str, **extensions: Any) -> dict[str, Any]:
        return {
            "data": None,
            "errors": [
                {
                    "message": message,
                    "path": ["updateProductPrice"],
                    "extensions": {**extensions, "service": "products"},
                }
            ],
        }

    assert update(REPRICED.upc, 0) == error(
        "price must be 1 to 99999999 cents",
        code="BAD_USER_INPUT",
        argument="price",
        maximum=99_999_999,
    )
    assert update("9" * 65, 100) == error(
        "upc is limited to 64 characters", code="BAD_USER_INPUT", argument="upc", maximum=64
    )
    assert update("000000000000", 100) == error(
        "unknown product 000000000000", code="UNKNOWN_PRODUCT", upcs=["000000000000"]
    )


def test_payments_is_in_the_platform(platform: Platform) -> None:
    assert sorted(platform.stack.urls) == [
        "accounts",
        "inventory",
        "orders",
        "payments",
        "products",
        "reviews",
    ]
