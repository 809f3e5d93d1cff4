"""Issue #16, subscriptions end to end over real processes (router, six subgraphs, Redis, the
event broker), for each client transport (graphql-transport-ws, SSE, multipart): a client places
an order, subscribes to its status, the saga confirms it (#15), the back office moves it on, and
the client receives each status with the items' product names joined from products; anonymous and other users are refused; a client
disconnect closes the subgraph stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform
from tests.subscriptions.clients import TRANSPORTS, subscribe
from tests.support.waiting import LIMIT_SECONDS

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
OWNER, OTHER = SEED.users[0], SEED.users[1]
STOCK = {s.upc: s.quantity for s in SEED.stock}
PRODUCT = next(p for p in SEED.products if STOCK[p.upc] >= 50)
STATUS = (
    "subscription S($id: ID!) { orderStatusChanged(orderId: $id) "
    "{ id status total items { quantity product { upc name } } } }"
)
PLACE = "mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"
SET_STATUS = "mutation M($id: ID!, $s: OrderStatus!) { setOrderStatus(id: $id, status: $s) { id } }"


def token(platform: Platform, user_id: int, *scopes: str) -> str:
    return platform.token(str(user_id), ("read:orders", *scopes))


async def post(router: RunningRouter, query: str, variables: dict[str, Any], bearer: str) -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            router.graphql_url,
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {bearer}"},
        )
    return response.json()


async def place_order(platform: Platform, router: RunningRouter) -> str:
    line = {"upc": PRODUCT.upc, "quantity": 2}
    order_input = {"idempotencyKey": f"live-{uuid.uuid4()}", "items": [line]}
    body = await post(router, PLACE, {"input": order_input}, token(platform, OWNER.id))
    order_id: str = body["data"]["placeOrder"]["id"]
    return order_id


def event(order_id: str, status: str) -> dict[str, Any]:
    """Expected from the seed data: the product's name comes from products."""
    item = {"quantity": 2, "product": {"upc": PRODUCT.upc, "name": PRODUCT.name}}
    order = {"id": order_id, "status": status, "total": 2 * PRODUCT.price, "items": [item]}
    return {"data": {"orderStatusChanged": order}}


async def subscribers(channel_prefix: str, order_id: str) -> int:
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        counts = await redis.pubsub_numsub(f"{channel_prefix}:order-status:{order_id}")
    finally:
        await redis.aclose()
    return int(counts[0][1])


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_owner_receives_each_status_joined_with_product_names(
    platform: Platform, router: RunningRouter, channel_prefix: str, transport: str
) -> None:
    order_id = await place_order(platform, router)
    admin = token(platform, OTHER.id, "orders:admin")
    owner = token(platform, OWNER.id)
    async with subscribe(transport, router.graphql_url, STATUS, {"id": order_id}, owner) as sub:
        first = await sub.receive()
        if first == ("next", event(order_id, "PENDING")):  # subscribed before the saga ended
            first = await sub.receive()
        assert first == ("next", event(order_id, "CONFIRMED"))
        for status in ("SHIPPED", "DELIVERED"):
            changed = await post(router, SET_STATUS, {"id": order_id, "s": status}, admin)
            assert changed == {"data": {"setOrderStatus": {"id": order_id}}}
            assert await sub.receive() == ("next", event(order_id, status))
        assert await subscribers(channel_prefix, order_id) == 1
    # the client left: the router closed its subgraph WebSocket, orders unsubscribed
    await eventually(lambda: subscribers(channel_prefix, order_id), 0, "orders unsubscribed")


async def eventually(read: Callable[[], Awaitable[Any]], expected: Any, what: str) -> None:
    """Poll ``read()`` (another process's state) until it returns ``expected``."""
    value: Any = None
    try:
        async with asyncio.timeout(LIMIT_SECONDS):
            # polling another process's state (no event of ours to await)
            while (value := await read()) != expected:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"{what}: still {value!r} after {LIMIT_SECONDS} s") from None


UNAUTHORIZED = [
    {
        "message": "Unauthorized field or type",
        "path": ["orderStatusChanged"],
        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
    }
]


def not_visible(order_id: str) -> list[dict[str, Any]]:
    return [
        {
            "message": f"order {order_id} is not visible to the caller",
            "path": ["orderStatusChanged"],
            "extensions": {"code": "FORBIDDEN", "service": "orders"},
        }
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_anonymous_and_other_users_are_refused(
    platform: Platform, router: RunningRouter, transport: str
) -> None:
    order_id = await place_order(platform, router)
    variables = {"id": order_id}
    other = token(platform, OTHER.id)
    async with subscribe(transport, router.graphql_url, STATUS, variables, None) as anonymous:
        if transport == "websocket":  # refused by the router (@authenticated), nothing opened
            assert await anonymous.receive() == ("error", UNAUTHORIZED)
        else:
            assert (anonymous.status, anonymous.refusal) == (400, {"errors": UNAUTHORIZED})
    async with subscribe(transport, router.graphql_url, STATUS, variables, other) as theirs:
        # refused by orders itself (owner only), before any event
        if transport == "websocket":
            assert await theirs.receive() == ("error", not_visible(order_id))
        else:
            refused = {"data": None, "errors": not_visible(order_id)}
            assert await theirs.receive_all(2) == [("next", refused), ("complete", None)]


async def test_a_nested_field_the_caller_may_not_see_is_null_with_its_error_in_each_event(
    platform: Platform, router: RunningRouter
) -> None:
    """``User.lastLoginAt`` needs ``read:activity`` (@requiresScopes): as in a query, the field
    is removed from the plan, null in every event, with the router's error at its path."""
    order_id = await place_order(platform, router)
    query = (
        "subscription S($id: ID!) { orderStatusChanged(orderId: $id) "
        "{ status user { id lastLoginAt } } }"
    )
    admin = token(platform, OTHER.id, "orders:admin")
    owner = token(platform, OWNER.id)
    unauthorized = {
        "message": "Unauthorized field or type",
        "path": ["orderStatusChanged", "user", "lastLoginAt"],
        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
    }

    def event_with(status: str) -> tuple[str, dict[str, Any]]:
        user = {"id": str(OWNER.id), "lastLoginAt": None}
        data = {"orderStatusChanged": {"status": status, "user": user}}
        return ("next", {"errors": [unauthorized], "data": data})

    async with subscribe("websocket", router.graphql_url, query, {"id": order_id}, owner) as sub:
        first = await sub.receive()
        if first == event_with("PENDING"):  # subscribed before the saga ended
            first = await sub.receive()
        assert first == event_with("CONFIRMED")
        await post(router, SET_STATUS, {"id": order_id, "s": "CANCELLED"}, admin)
        assert await sub.receive() == event_with("CANCELLED")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_operation_limits_refuse_a_subscription_before_anything_opens(
    platform: Platform, router: RunningRouter, transport: str
) -> None:
    aliases = " ".join(f"s{i}: status" for i in range(31))
    query = f"subscription S($id: ID!) {{ orderStatusChanged(orderId: $id) {{ {aliases} }} }}"
    limit = {
        "message": "The operation uses 31 aliases, more than the limit 30.",
        "extensions": {"code": "MAX_ALIASES_EXCEEDED", "measured": 31, "limit": 30},
    }
    owner = token(platform, OWNER.id)
    async with subscribe(transport, router.graphql_url, query, {"id": "1"}, owner) as sub:
        if transport == "websocket":
            assert await sub.receive() == ("error", [limit])
        else:
            assert (sub.status, sub.refusal) == (400, {"errors": [limit]})


async def test_a_subscription_over_plain_http_names_the_streaming_transports(
    router: RunningRouter,
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            router.graphql_url,
            json={"query": STATUS, "variables": {"id": "1"}},
            headers={"accept": "application/graphql-response+json"},
        )
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "Subscriptions need a streaming transport: a "
                    "graphql-transport-ws WebSocket, Server-Sent Events (Accept: "
                    "text/event-stream) or multipart HTTP (Accept: multipart/mixed;"
                    'subscriptionSpec="1.0").',
                    "extensions": {"code": "SUBSCRIPTION_NOT_SUPPORTED"},
                }
            ]
        },
    )
