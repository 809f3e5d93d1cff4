"""The mobile BFF end to end: persisted operations by hash only, compact screens compared with
the seed, a 50-tile feed page in at most 2 router requests cold and none warm."""

from __future__ import annotations

import pytest

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.conftest import MOBILE_OPERATIONS, Screen

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_feed_of_fifty_tiles_costs_two_router_requests_cold_none_warm(
    mobile: Screen, seed: SeedData
) -> None:
    assert await mobile.data("Feed", {"first": 50}) == expected.feed(seed, 50)
    cold = mobile.last_router_requests
    assert await mobile.data("Feed", {"first": 50}) == expected.feed(seed, 50)
    assert (cold, mobile.last_router_requests) == (2, 0)  # the brief's bound: <= 2 cold, 0 warm


async def test_feed_pages_with_the_cursor(mobile: Screen, seed: SeedData) -> None:
    first = await mobile.data("Feed", {"first": 50})
    after = first["feed"]["endCursor"]
    assert await mobile.data("Feed", {"first": 50, "after": after}) == expected.feed(seed, 50, 50)


@pytest.mark.parametrize("upc", ["100000000001", "100000000007", "100000000030"])
async def test_product_detail(mobile: Screen, seed: SeedData, upc: str) -> None:
    assert await mobile.data("ProductDetail", {"upc": upc}) == expected.product_detail(seed, upc)
    cold = mobile.last_router_requests
    assert await mobile.data("ProductDetail", {"upc": upc}) == expected.product_detail(seed, upc)
    assert (cold, mobile.last_router_requests) == (2, 0)


async def test_my_orders_pages(mobile: Screen, seed: SeedData, bearer) -> None:
    page1 = await mobile.data("MyOrders", {"first": 1}, authorization=bearer(3))
    assert page1 == expected.my_orders(seed, 3, 1)
    assert mobile.last_router_requests == 1  # the orders (the caller is the token's subject)
    page2 = await mobile.data(
        "MyOrders", {"first": 1, "after": page1["myOrders"]["endCursor"]}, authorization=bearer(3)
    )
    assert page2 == expected.my_orders(seed, 3, 1, start=1)
    assert mobile.last_router_requests == 0  # the orders came with page 1


async def test_known_operation_runs_by_get_with_its_id_alone(
    mobile: Screen, seed: SeedData
) -> None:
    response = await mobile.http.get(
        "/graphql",
        params={
            "id": MOBILE_OPERATIONS["ProductDetail"].id,
            "variables": '{"upc": "100000000001"}',
        },
    )
    assert response.status_code == 200
    assert response.json() == {"data": expected.product_detail(seed, "100000000001")}


async def test_unknown_operation_is_refused_in_production(mobile: Screen) -> None:
    response = await mobile.http.post("/graphql", json={"query": "{ feed { tiles { upc } } }"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "this operation is not in the persisted operation list of this client",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
                }
            ]
        },
    )
    assert mobile.runtime.router.stats.requests == 0


async def test_mobile_payload_is_smaller_than_web_for_the_same_product(
    mobile: Screen, web: Screen
) -> None:
    variables = {"upc": "100000000001"}
    web_bytes = len((await web.run("ProductPage", variables)).content)
    mobile_bytes = len((await mobile.run("ProductDetail", variables)).content)
    assert mobile_bytes < web_bytes / 2
