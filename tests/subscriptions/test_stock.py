"""Issue #16: ``stockChanged`` (inventory) through the router, joined with the product's name
from products: the stock now, then the stock an order's reservation leaves. Stock levels are
public: an anonymous client may subscribe."""

from __future__ import annotations

import uuid

import pytest

from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform
from tests.subscriptions.clients import subscribe
from tests.subscriptions.test_order_status import PLACE, post, token

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
STOCK = {s.upc: s.quantity for s in SEED.stock}
BUYER = SEED.users[2]
STOCK_CHANGED = (
    "subscription S($upc: String!) { stockChanged(upc: $upc) { upc name stockQuantity inStock } }"
)


async def test_stock_changes_when_an_order_reserves_it(
    platform: Platform, router: RunningRouter
) -> None:
    """Over SSE (each transport is covered by the order-status tests)."""
    transport = "sse"
    product = [p for p in SEED.products if STOCK[p.upc] >= 50][3]  # no other test orders it

    def level(quantity: int) -> tuple[str, object]:
        changed = {"upc": product.upc, "name": product.name, "stockQuantity": quantity}
        return ("next", {"data": {"stockChanged": {**changed, "inStock": quantity > 0}}})

    variables = {"upc": product.upc}
    async with subscribe(transport, router.graphql_url, STOCK_CHANGED, variables, None) as sub:
        assert await sub.receive() == level(STOCK[product.upc])
        line = {"upc": product.upc, "quantity": 3}
        order_input = {"idempotencyKey": f"stock-{uuid.uuid4()}", "items": [line]}
        placed = await post(router, PLACE, {"input": order_input}, token(platform, BUYER.id))
        assert "errors" not in placed
        assert await sub.receive() == level(STOCK[product.upc] - 3)
