"""The web BFF end to end: real subgraphs, our router, real Redis; whole screens compared with
answers built from the seed, router requests counted cold and warm. ``placeOrder`` answers
``PENDING``; the order saga confirms or cancels it, and the BFF's cache follows from events
(``OrderStatusChanged``, ``StockChanged``), not only from its own mutation."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.conftest import WEB_OPERATIONS, Screen

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# placeOrder changes these; no other test reads them.
ORDERING_USER = 11
ORDERED_UPC = "100000000055"


async def test_home_page(web: Screen, seed: SeedData) -> None:
    assert await web.data("HomePage") == expected.home_page(seed)
    cold = web.last_router_requests
    assert await web.data("HomePage") == expected.home_page(seed)
    assert (cold, web.last_router_requests) == (2, 0)


async def test_home_page_cost_does_not_grow_with_its_lists(web: Screen, seed: SeedData) -> None:
    variables = {"featured": 40, "reviews": 30}
    assert await web.data("HomePage", variables) == expected.home_page(seed, 40, 30)
    assert web.last_router_requests == 2


@pytest.mark.parametrize("upc", ["100000000001", "100000000007", "100000000014"])
async def test_product_page(web: Screen, seed: SeedData, upc: str) -> None:
    variables = {"upc": upc, "reviewsFirst": 2}
    assert await web.data("ProductPage", variables) == expected.product_page(seed, upc, first=2)
    cold = web.last_router_requests
    assert await web.data("ProductPage", variables) == expected.product_page(seed, upc, first=2)
    assert (cold, web.last_router_requests) == (3, 0)


async def test_product_page_review_pagination(web: Screen, seed: SeedData) -> None:
    upc = "100000000002"
    first = await web.data("ProductPage", {"upc": upc, "reviewsFirst": 2})
    after = first["productPage"]["reviews"]["pageInfo"]["endCursor"]
    second = await web.data("ProductPage", {"upc": upc, "reviewsFirst": 2, "reviewsAfter": after})
    all_reviews = expected.product_page(seed, upc, first=3)["productPage"]["reviews"]["reviews"]
    assert second["productPage"]["reviews"] == {
        "totalCount": 3,
        "reviews": all_reviews[2:],
        "pageInfo": {
            "hasNextPage": False,
            "endCursor": expected.cursor("review", all_reviews[2]["id"]),
        },
    }


async def test_unknown_product_is_null(web: Screen) -> None:
    assert await web.data("ProductPage", {"upc": "nope"}) == {"productPage": None}


async def test_account(web: Screen, seed: SeedData, bearer) -> None:
    assert await web.data("AccountPage", authorization=bearer(2)) == expected.account(seed, 2)
    cold = web.last_router_requests
    assert await web.data("AccountPage", authorization=bearer(2)) == expected.account(seed, 2)
    # the caller is the verified token's subject (no `me`): profile + orders, product names
    assert (cold, web.last_router_requests) == (2, 0)


async def test_account_needs_an_identity(web: Screen) -> None:
    response = await web.run("AccountPage")
    assert response.json() == {
        "data": {"account": None},
        "errors": [
            {
                "message": "this field needs the caller's identity (a bearer token)",
                "locations": [{"line": 2, "column": 3}],
                "path": ["account"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ],
    }


async def _account_order(web: Screen, token: str, order_id: str, status: str) -> Any:
    """Read the account page until the order shows ``status`` (bounded: 30 s is a hung saga)."""
    deadline = time.monotonic() + 30
    while True:
        account = await web.data("AccountPage", authorization=token)
        order = next(o for o in account["account"]["orders"] if o["id"] == order_id)
        if order["status"] == status or time.monotonic() > deadline:
            return account
        await asyncio.sleep(0.05)


async def test_place_order_invalidates_and_is_idempotent(
    web: Screen, seed: SeedData, bearer
) -> None:
    token = bearer(ORDERING_USER)
    product = {"upc": ORDERED_UPC}
    page_before = await web.data("ProductPage", {"upc": ORDERED_UPC})
    account_before = await web.data("AccountPage", authorization=token)
    await web.data("AccountPage", authorization=token)
    assert web.last_router_requests == 0  # warm
    key = f"test-{uuid.uuid4()}"
    variables = {"input": {"idempotencyKey": key, "items": [{**product, "quantity": 2}]}}
    placed = (await web.data("PlaceOrder", variables, authorization=token))["placeOrder"]
    price = next(p.price for p in seed.products if p.upc == ORDERED_UPC)
    name = next(p.name for p in seed.products if p.upc == ORDERED_UPC)
    assert placed == {
        "id": placed["id"],
        "status": "PENDING",
        "placedAt": placed["placedAt"],
        "totalCents": 2 * price,
        "totalLabel": expected.money(2 * price),
        "items": [
            {
                "upc": ORDERED_UPC,
                "productName": name,
                "quantity": 2,
                "unitPriceCents": price,
                "unitPriceLabel": expected.money(price),
            }
        ],
    }
    # The page read now may cache the stock from before the saga reserved it (its TTL is 30 s).
    await web.data("ProductPage", {"upc": ORDERED_UPC})
    # The saga confirms; OrderStatusChanged invalidates the cached account page.
    confirmed = {**placed, "status": "CONFIRMED"}
    account_after = await _account_order(web, token, placed["id"], "CONFIRMED")
    confirmed_at = time.monotonic()
    assert account_after["account"]["orders"] == [confirmed, *account_before["account"]["orders"]]
    # Within a second of confirming, the product page shows the new stock (events invalidated
    # it: StockChanged when inventory reserved, OrderStatusChanged when the order confirmed).
    stock_before = page_before["productPage"]["stockQuantity"]
    while True:
        page_after = await web.data("ProductPage", {"upc": ORDERED_UPC})
        shown = page_after["productPage"]["stockQuantity"]
        if shown == stock_before - 2 or time.monotonic() - confirmed_at > 1.0:
            break
        await asyncio.sleep(0.02)
    assert (shown, time.monotonic() - confirmed_at <= 1.0) == (stock_before - 2, True)

    # the same idempotency key again: the same order, nothing new
    again = (await web.data("PlaceOrder", variables, authorization=token))["placeOrder"]
    assert again == confirmed
    account_final = await web.data("AccountPage", authorization=token)
    assert account_final == account_after
    page_final = await web.data("ProductPage", {"upc": ORDERED_UPC})
    assert page_final["productPage"]["stockQuantity"] == stock_before - 2


async def test_apq_registers_in_redis(web: Screen, seed: SeedData) -> None:
    query = "query Tiny { homePage(featured: 1, reviews: 1) { featured { upc name } } }"
    from bff.persisted import sha256_hex

    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    miss = await web.http.post("/graphql", json={"extensions": persisted})
    assert (miss.status_code, miss.json()) == (
        200,
        {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        },
    )
    first = seed.products[0]
    answer = {"data": {"homePage": {"featured": [{"upc": first.upc, "name": first.name}]}}}
    registered = await web.http.post("/graphql", json={"query": query, "extensions": persisted})
    assert registered.json() == answer
    by_hash = await web.http.post("/graphql", json={"extensions": persisted})
    assert by_hash.json() == answer


async def test_place_order_passes_the_domain_error_code_through(web: Screen, bearer) -> None:
    """A reused key with other items is the orders service's IDEMPOTENCY_KEY_CONFLICT."""
    key = f"test-{uuid.uuid4()}"

    def order_input(quantity: int) -> dict[str, Any]:
        items = [{"upc": ORDERED_UPC, "quantity": quantity}]
        return {"input": {"idempotencyKey": key, "items": items}}

    first = await web.run("PlaceOrder", order_input(1), authorization=bearer(12))
    assert first.json()["data"]["placeOrder"]["status"] == "PENDING"
    response = await web.run("PlaceOrder", order_input(2), authorization=bearer(12))
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "this idempotencyKey was already used for a different order",
                "locations": [{"line": 2, "column": 3}],
                "path": ["placeOrder"],
                "extensions": {"code": "IDEMPOTENCY_KEY_CONFLICT", "service": "orders"},
            }
        ],
    }


async def test_out_of_stock_orders_end_cancelled(web: Screen, bearer) -> None:
    out_of_stock = "100000000007"  # every 7th product has no stock
    variables = {
        "input": {
            "idempotencyKey": f"test-{uuid.uuid4()}",
            "items": [{"upc": out_of_stock, "quantity": 1}],
        }
    }
    token = bearer(12)
    placed = (await web.data("PlaceOrder", variables, authorization=token))["placeOrder"]
    assert placed["status"] == "PENDING"
    account = await _account_order(web, token, placed["id"], "CANCELLED")
    shown = next(o for o in account["account"]["orders"] if o["id"] == placed["id"])
    assert shown == {**placed, "status": "CANCELLED"}


async def test_a_failing_field_keeps_the_rest_of_the_page(web: Screen, seed: SeedData) -> None:
    upc = "100000000003"
    response = await web.run("ProductPage", {"upc": upc, "reviewsAfter": "garbage"})
    page = expected.product_page(seed, upc)
    page["productPage"]["reviews"] = None
    body = WEB_OPERATIONS["ProductPage"].body
    line = next(n for n, text in enumerate(body.splitlines(), 1) if "reviews(first:" in text)
    column = body.splitlines()[line - 1].index("reviews(") + 1
    assert response.json() == {
        "data": page,
        "errors": [
            {
                "message": "invalid cursor 'garbage'",
                "locations": [{"line": line, "column": column}],
                "path": ["productPage", "reviews"],
                "extensions": {"code": "ROUTER_ERROR", "service": "reviews"},
            }
        ],
    }
    # the failed field was not cached: the same request asks the router again
    await web.run("ProductPage", {"upc": upc, "reviewsAfter": "garbage"})
    assert web.last_router_requests == 1
