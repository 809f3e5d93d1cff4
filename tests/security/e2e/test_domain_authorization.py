"""Domain authorization over real processes (router, five subgraphs): an order is its owner's
(or an ``orders:admin`` caller's), ``placeOrder`` buys for the verified caller only and needs a
login in the router and in the subgraph, emails are their owner's, idempotency keys are scoped
per user with a conflict for a reused key, and inventory's internal mutations answer the orders
service only (issue #11, "Domain authorization")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from servicekit.auth.forwarded import sign_identity
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import SECRET, Platform, routers

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
OWNER, OTHER = SEED.users[0], SEED.users[1]
ORDER = next(o for o in SEED.orders if o.user_id == OWNER.id)
STOCK = {s.upc: s.quantity for s in SEED.stock}
UPC = next(p.upc for p in SEED.products if STOCK[p.upc] >= 20)
PRICE = next(p.price for p in SEED.products if p.upc == UPC)
ORDER_QUERY = "query O($id: ID!) { order(id: $id) { id total user { id } } }"
PLACE = (
    "mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) "
    "{ user { id } total items { quantity } } }"
)


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only


def post(url: str, query: str, variables: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )


def as_user(platform: Platform, user_id: int, *scopes: str) -> dict[str, str]:
    token = platform.token(str(user_id), ("read:orders", *scopes))
    return {"authorization": f"Bearer {token}"}


def test_an_order_is_visible_to_its_owner_and_an_admin_only(
    platform: Platform, router: RunningRouter
) -> None:
    variables = {"id": str(ORDER.id)}
    mine = {
        "data": {
            "order": {"id": str(ORDER.id), "total": ORDER.total, "user": {"id": str(OWNER.id)}}
        }
    }

    def ask(headers: dict[str, str]) -> Any:
        return post(router.graphql_url, ORDER_QUERY, variables, **headers).json()

    assert ask(as_user(platform, OWNER.id)) == mine
    assert ask(as_user(platform, OTHER.id)) == {"data": {"order": None}}
    assert ask(as_user(platform, OTHER.id, "orders:admin")) == mine
    assert ask({}) == {
        "data": {"order": None},
        "errors": [
            {
                "message": "order needs a signed-in user",
                "path": ["order"],
                "extensions": {"code": "UNAUTHENTICATED", "service": "orders"},
            }
        ],
    }


def test_order_entities_and_user_orders_need_the_owner_even_when_called_directly(
    platform: Platform,
) -> None:
    """The subgraph itself refuses: a caller that skips the router and sends ``x-user-id``
    gets nothing (plain identity headers are never believed)."""
    orders_url = platform.stack.urls["orders"]
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Order { id total } ... on User { orders { id } } } }"
    )
    representations = [{"__typename": "Order", "id": str(ORDER.id)}]
    representations.append({"__typename": "User", "id": str(OWNER.id)})
    body = post(orders_url, query, {"r": representations}, **{"x-user-id": str(OWNER.id)}).json()
    assert body["data"] == {"_entities": [None, None]}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_place_order_needs_a_login_and_buys_for_the_caller_only(
    platform: Platform, router: RunningRouter
) -> None:
    line = {"upc": UPC, "quantity": 1}
    order_input = {"idempotencyKey": f"k-{uuid.uuid4()}", "items": [line]}
    anonymous = post(router.graphql_url, PLACE, {"input": order_input}).json()
    assert anonymous == {
        "data": None,
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["placeOrder"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
    }
    direct = post(
        platform.stack.urls["orders"], PLACE, {"input": order_input}, **{"x-user-id": "1"}
    ).json()
    assert direct["data"] is None
    assert [e["extensions"]["code"] for e in direct["errors"]] == ["UNAUTHENTICATED"]
    someone_else = {**order_input, "userId": str(OWNER.id)}
    refused = post(
        router.graphql_url, PLACE, {"input": someone_else}, **as_user(platform, OTHER.id)
    )
    assert refused.status_code == 400
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["BAD_USER_INPUT"]
    placed = post(router.graphql_url, PLACE, {"input": order_input}, **as_user(platform, OTHER.id))
    assert placed.json() == {
        "data": {
            "placeOrder": {
                "user": {"id": str(OTHER.id)},
                "total": PRICE,
                "items": [{"quantity": 1}],
            }
        }
    }


def test_idempotency_keys_are_per_user_and_a_reused_key_is_a_conflict(
    platform: Platform, router: RunningRouter
) -> None:
    key = f"shared-{uuid.uuid4()}"
    one = {"idempotencyKey": key, "items": [{"upc": UPC, "quantity": 1}]}
    two = {"idempotencyKey": key, "items": [{"upc": UPC, "quantity": 2}]}

    def place(user_id: int, order_input: dict[str, Any]) -> Any:
        return post(
            router.graphql_url, PLACE, {"input": order_input}, **as_user(platform, user_id)
        ).json()

    first = place(OWNER.id, one)
    assert first == {
        "data": {
            "placeOrder": {
                "user": {"id": str(OWNER.id)},
                "total": PRICE,
                "items": [{"quantity": 1}],
            }
        }
    }
    assert place(OWNER.id, one) == first  # a retry answers the same order
    # another user's identical key is another order (not the owner's answered back)
    assert place(OTHER.id, two) == {
        "data": {
            "placeOrder": {
                "user": {"id": str(OTHER.id)},
                "total": 2 * PRICE,
                "items": [{"quantity": 2}],
            }
        }
    }
    assert place(OWNER.id, two) == {
        "data": None,
        "errors": [
            {
                "message": "this idempotencyKey was already used for a different order",
                "path": ["placeOrder"],
                "extensions": {"code": "IDEMPOTENCY_KEY_CONFLICT", "service": "orders"},
            }
        ],
    }


def test_users_email_is_the_owners_only(platform: Platform, router: RunningRouter) -> None:
    query = "{ users { id email } }"
    expected = [
        {"id": str(u.id), "email": u.email if u.id == OWNER.id else None} for u in SEED.users
    ]
    signed_in = post(router.graphql_url, query, {}, **as_user(platform, OWNER.id)).json()
    assert signed_in == {"data": {"users": expected}}
    anonymous = post(router.graphql_url, query, {}).json()
    assert anonymous["data"] == {"users": [{"id": str(u.id), "email": None} for u in SEED.users]}
    direct = post(platform.stack.urls["accounts"], query, {}, **{"x-user-id": str(OWNER.id)})
    assert direct.json() == {
        "data": {"users": [{"id": str(u.id), "email": None} for u in SEED.users]}
    }


def test_inventory_reservations_answer_the_orders_service_only(platform: Platform) -> None:
    inventory = platform.stack.urls["inventory"]
    query = (
        "mutation($k: String!, $i: [StockItemInput!]!) "
        "{ reserveStock(idempotencyKey: $k, items: $i) { status } }"
    )
    variables = {"k": f"steal-{uuid.uuid4()}", "i": [{"upc": UPC, "quantity": 1}]}
    body = json.dumps({"query": query, "variables": variables}).encode()
    user_signed = sign_identity(SECRET, "1", ["read:orders"], body=body)
    forged_service = {"x-service-name": "orders", "x-service-signature": "s1;1;00"}
    stock_query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stockQuantity } } }"
    representation = {"__typename": "Product", "upc": UPC, "price": 1, "weight": 1}
    before = post(inventory, stock_query, {"r": [representation]}).json()
    for headers in ({}, user_signed, forged_service):
        answer = httpx.post(
            inventory,
            content=body,
            headers={"content-type": "application/json", **headers},
            timeout=30,
        ).json()
        assert answer == {
            "data": None,
            "errors": [
                {
                    "message": "stock reservations are internal to the orders service",
                    "locations": [{"line": 1, "column": 49}],
                    "path": ["reserveStock"],
                    "extensions": {"code": "FORBIDDEN"},
                }
            ],
        }
    assert post(inventory, stock_query, {"r": [representation]}).json() == before
