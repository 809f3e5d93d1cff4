"""The product page's live stock badge (issue #16): ``subscription { productStock(upc) }``.

The web BFF forwards the router's ``stockChanged(upc:)`` (inventory; public: stock levels are
shown to anyone), one router subscription per page (:mod:`bff.live`), and shapes each level into
the badge the page draws. The page subscribes over GraphQL over SSE (``Accept:
text/event-stream``, graphql-sse's distinct connections mode: an ``EventSource``-style stream a
browser reads with ``fetch``), a graphql-transport-ws WebSocket or Apollo's multipart protocol;
Strawberry serves all three (:data:`bff.app.SUBSCRIPTION_PROTOCOLS`). Stock changes also
invalidate the page's cached stock (:mod:`bff.events`), so a reload agrees with the badge.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from bff.live import LivePiece
from bff_web.operations import DOCUMENT, operation
from bff_web.types import WebInfo

__all__ = ["LOW_STOCK", "StockBadge", "Subscription", "badge_label"]

STOCK_CHANGED = LivePiece.of(DOCUMENT, operation("StockChanged"))
LOW_STOCK = 5
"""At or below this many units the badge counts them ("Only 3 left")."""


def badge_label(quantity: int) -> str:
    if quantity <= 0:
        return "Out of stock"
    if quantity <= LOW_STOCK:
        return f"Only {quantity} left"
    return "In stock"


@strawberry.type(description="The product page's stock badge, live.")
class StockBadge:
    upc: str
    in_stock: bool
    stock_quantity: int
    label: str

    @classmethod
    def of(cls, product: dict[str, Any]) -> StockBadge:
        quantity = int(product["stockQuantity"])
        return cls(
            upc=product["upc"],
            in_stock=bool(product["inStock"]),
            stock_quantity=quantity,
            label=badge_label(quantity),
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(  # type: ignore[untyped-decorator]
        description="The product's stock badge now, then at each stock change (the router's "
        "stockChanged: reservations, releases, expiries)."
    )
    async def product_stock(self, info: WebInfo, upc: str) -> AsyncGenerator[StockBadge, None]:
        levels = await STOCK_CHANGED.open(
            info.context.runtime.router, {"upc": upc}, info.context.authorization
        )
        return _badges(levels)


async def _badges(levels: AsyncGenerator[dict[str, Any], None]) -> AsyncGenerator[StockBadge, None]:
    async with contextlib.aclosing(levels):
        async for product in levels:
            yield StockBadge.of(product)
