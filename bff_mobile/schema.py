"""The mobile BFF's client-shaped schema (issue #6): small payloads for phone screens.

``feed(first, after)`` pages compact product tiles, ``productDetail(upc)`` carries a review summary
with the top three reviews, ``myOrders(first, after)`` pages the caller's orders, ``orderUpdates(orderId)`` (a subscription,
issue #16) follows one of them live. Prices arrive as ready-to-render labels; nothing a screen
does not draw is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from bff.context import BffContext
from bff.extensions import bff_extensions
from bff.live import LivePiece
from bff.shaping import (
    clamp,
    decode_offset_cursor,
    encode_offset_cursor,
    price_label,
    rounded_rating,
    top_reviews,
    unauthenticated,
)
from bff_mobile.loaders import FEED
from bff_mobile.operations import DOCUMENT, operation

__all__ = ["schema"]

MobileInfo = Info[BffContext, None]
ORDER_CURSOR = "order"
ORDER_UPDATES = LivePiece.of(DOCUMENT, operation("OrderUpdates"))


@strawberry.type(description="A product tile in the feed.")
class Tile:
    upc: str
    name: str
    price: str
    in_stock: bool
    rating: float | None

    @classmethod
    def of(cls, product: dict[str, Any]) -> Tile:
        summary = product.get("reviewSummary") or {}
        return cls(
            upc=product["upc"],
            name=product["name"],
            price=price_label(product["price"]),
            in_stock=bool(product["inStock"]),
            rating=rounded_rating(summary.get("averageRating")),
        )


@strawberry.type
class FeedPage:
    tiles: list[Tile]
    end_cursor: str | None
    has_more: bool


@strawberry.type(description="A review as the detail screen shows it.")
class ReviewLine:
    rating: int
    body: str
    author_id: strawberry.Private[str | None]

    @strawberry.field
    async def author(self, info: MobileInfo) -> str | None:
        if self.author_id is None:
            return None
        user = await info.context.loaders.one(info.context.specs.user_name, self.author_id)
        return user["name"] if user else None


@strawberry.type
class ReviewSummary:
    count: int
    average: float | None
    top: list[ReviewLine]


@strawberry.type(description="The product detail screen.")
class ProductDetail:
    upc: str
    name: str
    price: str
    description: str
    in_stock: bool
    shipping: str | None
    reviews: ReviewSummary

    @classmethod
    def of(cls, product: dict[str, Any]) -> ProductDetail:
        summary = product.get("reviewSummary") or {}
        estimate = product.get("shippingEstimate")
        return cls(
            upc=product["upc"],
            name=product["name"],
            price=price_label(product["price"]),
            description=product["description"],
            in_stock=bool(product["inStock"]),
            shipping=None
            if estimate is None
            else ("Free" if estimate == 0 else price_label(estimate)),
            reviews=ReviewSummary(
                count=int(summary.get("count") or 0),
                average=rounded_rating(summary.get("averageRating")),
                top=[
                    ReviewLine(
                        rating=r["rating"],
                        body=r["body"],
                        author_id=str(r["author"]["id"]) if r.get("author") else None,
                    )
                    for r in top_reviews(product.get("reviews") or [])
                ],
            ),
        )


@strawberry.type(description="An order in the list: what a row shows.")
class OrderRow:
    id: strawberry.ID
    status: str
    total: str
    items: int
    placed_at: str


@strawberry.type
class OrdersPage:
    orders: list[OrderRow]
    end_cursor: str | None
    has_more: bool


@strawberry.type(description="One of the caller's orders as it changes: what its row shows.")
class OrderUpdate:
    id: strawberry.ID
    status: str
    total: str
    items: int
    products: list[str] = strawberry.field(
        description="The ordered products' names (the products subgraph, joined by the router)."
    )

    @classmethod
    def of(cls, order: dict[str, Any]) -> OrderUpdate:
        lines = order.get("items") or []
        return cls(
            id=strawberry.ID(str(order["id"])),
            status=str(order["status"]),
            total=price_label(order["total"]),
            items=sum(line["quantity"] for line in lines),
            products=[(line.get("product") or {}).get("name") or "" for line in lines],
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(  # type: ignore[untyped-decorator]
        description="One of the caller's orders now, then at each status change (the router's "
        "orderStatusChanged, forwarded with the caller's token: the order's owner only)."
    )
    async def order_updates(
        self, info: MobileInfo, order_id: strawberry.ID
    ) -> AsyncGenerator[OrderUpdate, None]:
        if await info.context.current_user_id() is None:
            raise unauthenticated()
        orders = await ORDER_UPDATES.open(
            info.context.runtime.router,
            {"orderId": str(order_id)},
            info.context.authorization,
        )
        return _updates(orders)


async def _updates(
    orders: AsyncGenerator[dict[str, Any], None],
) -> AsyncGenerator[OrderUpdate, None]:
    async with contextlib.aclosing(orders):
        async for order in orders:
            yield OrderUpdate.of(order)


@strawberry.type
class Query:
    @strawberry.field(description="The product feed, in catalogue order, cursor-paginated.")  # type: ignore[untyped-decorator]
    async def feed(self, info: MobileInfo, first: int = 20, after: str | None = None) -> FeedPage:
        first = clamp(first, 1, 50, "first")
        connection = await info.context.loaders.root_field(
            FEED.call(info.context.specs.list_ttl_seconds, first=first, after=after)
        )
        upcs = [edge["node"]["upc"] for edge in connection["edges"]]
        products = await info.context.loaders.many(info.context.specs.product_tile, upcs)
        page_info = connection["pageInfo"]
        return FeedPage(
            tiles=[Tile.of(p) for p in products if p is not None],
            end_cursor=page_info.get("endCursor"),
            has_more=bool(page_info.get("hasNextPage")),
        )

    @strawberry.field
    async def product_detail(self, info: MobileInfo, upc: str) -> ProductDetail | None:
        product = await info.context.loaders.one(info.context.specs.product_detail, upc)
        return ProductDetail.of(product) if product else None

    @strawberry.field(description="The caller's orders, newest first, cursor-paginated.")  # type: ignore[untyped-decorator]
    async def my_orders(
        self, info: MobileInfo, first: int = 10, after: str | None = None
    ) -> OrdersPage:
        first = clamp(first, 1, 50, "first")
        start = decode_offset_cursor(ORDER_CURSOR, after)
        user_id = await info.context.current_user_id()
        if user_id is None:
            raise unauthenticated()
        user = await info.context.loaders.one(info.context.specs.user_orders, user_id)
        orders = sorted(
            (user or {}).get("orders") or [],
            key=lambda o: (o["placedAt"], int(o["id"])),
            reverse=True,
        )
        page = orders[start : start + first]
        return OrdersPage(
            orders=[
                OrderRow(
                    id=strawberry.ID(str(o["id"])),
                    status=str(o["status"]),
                    total=price_label(o["total"]),
                    items=sum(i["quantity"] for i in o.get("items") or []),
                    placed_at=o["placedAt"],
                )
                for o in page
            ],
            end_cursor=encode_offset_cursor(ORDER_CURSOR, start + len(page) - 1) if page else None,
            has_more=start + len(page) < len(orders),
        )


schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=bff_extensions())
