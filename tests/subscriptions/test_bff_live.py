"""Issue #16 through the BFFs, over real processes (six subgraphs, the router, ``bff-mobile`` and
``bff-web`` as their console scripts, Redis, the event broker):

* mobile ``orderUpdates(orderId)``: the app subscribes by its manifest's id (the BFF runs in
  production: manifest operations only, over every transport), the order goes through the saga
  and the back office, and the app receives the whole status sequence, each event shaped for
  the phone (price label, item count, product names joined by the router from products);
  anonymous callers, other users, free-form documents and bad tokens are refused; leaving
  closes the stream down to the orders subgraph.
* the mobile BFF sends its router subscription by id with ``apollographql-client-name:
  bff-mobile`` (``router_persisted_ids``), and the package's router safelists that client as
  ``make dev`` does (plus ``require_id``): the same subscription's text from that client is
  refused.
* web ``productStock(upc)``: the product page's live stock badge, level then change after an
  order placed through the web BFF itself.

Expected values come from the seed data and hand-written rules (labels, the saga's statuses).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from bff.live import router_events
from bff.router_client import RouterError, persisted_payload
from bff_mobile.schema import ORDER_UPDATES
from servicekit.topology import PROJECT_ROOT
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform
from tests.subscriptions.clients import TRANSPORTS, Message, Subscription, subscribe
from tests.subscriptions.test_order_status import (
    PLACE,
    SET_STATUS,
    eventually,
    post,
    subscribers,
    token,
)

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
OWNER, OTHER = SEED.users[3], SEED.users[4]
STOCK = {s.upc: s.quantity for s in SEED.stock}
PLENTY = [p for p in SEED.products if STOCK[p.upc] >= 50]
ORDERED = PLENTY[0]  # 2 units per order: shared with test_order_status, stock is ample
BADGE_PRODUCTS = {"websocket": PLENTY[4], "sse": PLENTY[5]}  # no other test orders these

SAGA = ("PENDING", "CONFIRMED")
"""An order's statuses in the saga (stock reserved, then confirmed: subgraphs/orders/saga.py)."""
BACK_OFFICE = ("SHIPPED", "DELIVERED")

MANIFEST = json.loads((PROJECT_ROOT / "schema" / "persisted" / "mobile.json").read_text())
ORDER_UPDATES_ID = next(o["id"] for o in MANIFEST["operations"] if o["name"] == "OrderUpdates")
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": ORDER_UPDATES_ID}}
LOCATION = [{"line": 2, "column": 3}]
"""``orderUpdates`` in the manifest's printed document."""


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def update(order_id: str, status: str) -> Message:
    """One mobile event, from the seed data: 2 units of ``ORDERED``."""
    order = {
        "id": order_id,
        "status": status,
        "total": dollars(2 * ORDERED.price),
        "items": 2,
        "products": [ORDERED.name],
    }
    return ("next", {"data": {"orderUpdates": order}})


async def place_order(platform: Platform, router: RunningRouter) -> str:
    line = {"upc": ORDERED.upc, "quantity": 2}
    order_input = {"idempotencyKey": f"bff-live-{uuid.uuid4()}", "items": [line]}
    body = await post(router, PLACE, {"input": order_input}, token(platform, OWNER.id))
    order_id: str = body["data"]["placeOrder"]["id"]
    return order_id


async def refusal(sub: Subscription, transport: str) -> Any:
    """What a refused subscription looks like per transport: the protocol's ``error`` message,
    or (SSE, multipart) one ``next`` with the errors then ``complete`` (Strawberry's and the
    router's answer once the stream has started)."""
    if transport == "websocket":
        kind, errors = await sub.receive()
        assert kind == "error"
        return errors
    (kind, payload), end = await sub.receive_all(2)
    assert (kind, end, payload["data"]) == ("next", ("complete", None), None)
    return payload["errors"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_mobile_order_updates_follow_the_saga_and_the_back_office(
    platform: Platform,
    router: RunningRouter,
    bff_mobile: str,
    channel_prefix: str,
    transport: str,
) -> None:
    order_id = await place_order(platform, router)
    admin = token(platform, OTHER.id, "orders:admin")
    owner = token(platform, OWNER.id)
    variables = {"orderId": order_id}
    async with subscribe(transport, bff_mobile, None, variables, owner, PERSISTED) as sub:
        received = [await sub.receive()]
        if received[0] == update(order_id, SAGA[0]):  # subscribed before the saga ended
            received.append(await sub.receive())
        for status in BACK_OFFICE:
            changed = await post(router, SET_STATUS, {"id": order_id, "s": status}, admin)
            assert changed == {"data": {"setOrderStatus": {"id": order_id}}}
            received.append(await sub.receive())
        statuses = (*SAGA, *BACK_OFFICE)
        start = 0 if len(received) == len(statuses) else 1
        assert received == [update(order_id, status) for status in statuses[start:]]
        # one router subscription, one orders subscription for this client
        assert await subscribers(channel_prefix, order_id) == 1
    # the app left: the BFF closed its router WebSocket, the router its orders WebSocket
    await eventually(lambda: subscribers(channel_prefix, order_id), 0, "orders unsubscribed")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_mobile_order_updates_refuse_anonymous_and_other_users(
    platform: Platform, router: RunningRouter, bff_mobile: str, transport: str
) -> None:
    order_id = await place_order(platform, router)
    variables = {"orderId": order_id}
    async with subscribe(transport, bff_mobile, None, variables, None, PERSISTED) as anonymous:
        assert await refusal(anonymous, transport) == [
            {
                "message": "this field needs the caller's identity (a bearer token)",
                "locations": LOCATION,
                "path": ["orderUpdates"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    other = token(platform, OTHER.id)
    async with subscribe(transport, bff_mobile, None, variables, other, PERSISTED) as theirs:
        # refused by orders (owner only), through the router, before any event
        assert await refusal(theirs, transport) == [
            {
                "message": f"order {order_id} is not visible to the caller",
                "locations": LOCATION,
                "path": ["orderUpdates"],
                "extensions": {"code": "FORBIDDEN", "service": "orders"},
            }
        ]


NOT_IN_LIST = {
    "message": "this operation is not in the persisted operation list of this client",
    "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_production_mobile_bff_runs_only_its_manifest_subscriptions(
    platform: Platform, bff_mobile: str, transport: str
) -> None:
    """A free-form document (here the manifest's own operation with another selection) is
    refused on every transport, a WebSocket's ``subscribe`` message included."""
    query = "subscription { orderUpdates(orderId: 1) { id status } }"
    owner = token(platform, OWNER.id)
    async with subscribe(transport, bff_mobile, query, {}, owner) as sub:
        if transport == "websocket":
            assert await sub.receive() == ("error", [NOT_IN_LIST])
        else:
            assert (sub.status, sub.refusal) == (400, {"errors": [NOT_IN_LIST]})


async def test_a_socket_with_a_token_that_does_not_verify_is_closed(
    platform: Platform, bff_mobile: str
) -> None:
    """The token in ``connection_init`` is verified like a bearer header: 4403, as the router."""
    expired = platform.crafted({"sub": str(OWNER.id), "exp": 1_000_000})
    async with subscribe("websocket", bff_mobile, None, {"orderId": "1"}, expired) as sub:
        assert await sub.receive() == ("closed", 4403)


ROUTER_MANIFEST = json.loads(
    (PROJECT_ROOT / "schema" / "persisted" / "bff-mobile.router.json").read_text()
)
ROUTER_ORDER_UPDATES_ID = next(
    o["id"] for o in ROUTER_MANIFEST["operations"] if o["name"] == "BffMobile_OrderUpdates"
)
MOBILE_CLIENT = {"apollographql-client-name": "bff-mobile"}


def _unlisted(router: RunningRouter, operation_name: str) -> int:
    """Lines of the router's ``log_unknown`` warning about ``operation_name``."""
    return sum(
        1
        for line in router.log().splitlines()
        if "persisted query not in list" in line and operation_name in line
    )


async def test_the_mobile_bff_subscribes_by_id_as_its_client(
    platform: Platform, router: RunningRouter, bff_mobile: str
) -> None:
    """The BFF's router WebSocket names ``bff-mobile`` and subscribes by id: the router, which
    logs every text outside its manifests from other clients (``log_unknown``) and refuses text
    from ``bff-mobile`` (``require_id``), logs nothing for the BFF's stream; the same text sent
    without the client name (the BFF before issue #18's ids) is logged, and refused with it."""
    order_id = await place_order(platform, router)
    owner = token(platform, OWNER.id)
    variables = {"orderId": order_id}
    before = _unlisted(router, ORDER_UPDATES.name)
    async with subscribe("websocket", bff_mobile, None, variables, owner, PERSISTED) as sub:
        kind, first = await sub.receive()
        assert kind == "next" and first["data"]["orderUpdates"]["id"] == order_id
    assert _unlisted(router, ORDER_UPDATES.name) == before

    text = {
        "query": ORDER_UPDATES.text,
        "variables": variables,
        "operationName": ORDER_UPDATES.name,
    }
    bearer = f"Bearer {owner}"
    anonymous_client = router_events(router.graphql_url, text, authorization=bearer)
    try:
        event = await anext(anonymous_client)
    finally:
        await anonymous_client.aclose()
    assert event["orderStatusChanged"]["id"] == order_id
    await eventually(lambda: _async(_unlisted(router, ORDER_UPDATES.name)), before + 1, "logged")

    with pytest.raises(RouterError) as refused:
        await anext(
            router_events(router.graphql_url, text, authorization=bearer, headers=MOBILE_CLIENT)
        )
    assert refused.value.errors == [
        {
            "message": "This endpoint does not allow freeform GraphQL requests; operations "
            "must be sent by ID in the persisted queries GraphQL extension.",
            "extensions": {"code": "PERSISTED_QUERY_ID_REQUIRED"},
        }
    ]
    by_id = persisted_payload(ORDER_UPDATES.name, ROUTER_ORDER_UPDATES_ID, variables)
    stream = router_events(router.graphql_url, by_id, authorization=bearer, headers=MOBILE_CLIENT)
    try:
        event = await anext(stream)
    finally:
        await stream.aclose()
    status = event["orderStatusChanged"]["status"]
    assert status in (*SAGA, *BACK_OFFICE)
    assert event == {
        "orderStatusChanged": {
            "id": order_id,
            "status": status,
            "total": 2 * ORDERED.price,
            "items": [{"quantity": 2, "product": {"name": ORDERED.name}}],
        }
    }


async def _async(value: int) -> int:
    return value


def badge(upc: str, quantity: int, label: str) -> Message:
    stock = {"upc": upc, "inStock": quantity > 0, "stockQuantity": quantity, "label": label}
    return ("next", {"data": {"productStock": stock}})


PRODUCT_STOCK = (
    "subscription ProductStock($upc: String!) "
    "{ productStock(upc: $upc) { upc inStock stockQuantity label } }"
)
WEB_PLACE_ORDER = (
    "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { status items "
    "{ upc quantity } } }"
)


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_the_web_product_page_stock_badge_is_live(
    platform: Platform, bff_web: str, transport: str
) -> None:
    """Anonymous (stock is public); an order through the web BFF leaves 4 units: the badge
    turns from "In stock" to "Only 4 left"."""
    product = BADGE_PRODUCTS[transport]
    start = STOCK[product.upc]
    variables = {"upc": product.upc}
    async with subscribe(transport, bff_web, PRODUCT_STOCK, variables, None) as sub:
        assert await sub.receive() == badge(product.upc, start, "In stock")
        line = {"upc": product.upc, "quantity": start - 4}
        order_input = {"idempotencyKey": f"badge-{uuid.uuid4()}", "items": [line]}
        async with httpx.AsyncClient(timeout=30) as client:
            placed = await client.post(
                bff_web,
                json={"query": WEB_PLACE_ORDER, "variables": {"input": order_input}},
                headers={"authorization": f"Bearer {token(platform, OWNER.id)}"},
            )
        assert placed.json() == {"data": {"placeOrder": {"status": "PENDING", "items": [line]}}}
        assert await sub.receive() == badge(product.upc, 4, "Only 4 left")
