"""The web BFF's output types: shaped for the storefront's screens, not for the supergraph.

Types are built from router data (plain dicts); fields that need another entity (an author's
name, a line's product name) resolve through the request's loaders, so lists batch.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from bff.context import BffContext
from bff.shaping import price_label, rounded_rating

__all__ = [
    "OrderLine",
    "OrderView",
    "PageInfo",
    "ProductCard",
    "RatingSummary",
    "RecentReview",
    "ReviewPage",
    "ReviewView",
]

WebInfo = Info[BffContext, None]


@strawberry.type(description="How a product is rated: how many reviews, their mean (1 decimal).")
class RatingSummary:
    count: int
    average: float | None

    @classmethod
    def of(cls, summary: dict[str, Any] | None) -> RatingSummary:
        summary = summary or {}
        return cls(
            count=int(summary.get("count") or 0),
            average=rounded_rating(summary.get("averageRating")),
        )


@strawberry.type(description="A product as lists show it: price, stock and rating at a glance.")
class ProductCard:
    upc: str
    name: str
    price_cents: int
    price_label: str
    in_stock: bool
    rating: RatingSummary

    @classmethod
    def of(cls, product: dict[str, Any]) -> ProductCard:
        return cls(
            upc=product["upc"],
            name=product["name"],
            price_cents=product["price"],
            price_label=price_label(product["price"]),
            in_stock=bool(product.get("inStock")),
            rating=RatingSummary.of(product.get("reviewSummary")),
        )


async def _author_name(info: WebInfo, author_id: str | None) -> str | None:
    if author_id is None:
        return None
    user = await info.context.loaders.one(info.context.specs.user_name, author_id)
    return user["name"] if user else None


@strawberry.type(description="A review with its author's display name.")
class ReviewView:
    id: strawberry.ID
    body: str
    rating: int
    created_at: str
    author_id: strawberry.Private[str | None]

    @strawberry.field
    async def author_name(self, info: WebInfo) -> str | None:
        return await _author_name(info, self.author_id)

    @classmethod
    def of(cls, review: dict[str, Any]) -> ReviewView:
        author = review.get("author") or {}
        return cls(
            id=strawberry.ID(str(review["id"])),
            body=review["body"],
            rating=review["rating"],
            created_at=review["createdAt"],
            author_id=str(author["id"]) if author.get("id") is not None else None,
        )


@strawberry.type(description="A recent review on the home page: who said what about which product.")
class RecentReview:
    id: strawberry.ID
    body: str
    rating: int
    created_at: str
    author_id: strawberry.Private[str | None]
    product_upc: str | None

    @strawberry.field
    async def author_name(self, info: WebInfo) -> str | None:
        return await _author_name(info, self.author_id)

    @strawberry.field
    async def product_name(self, info: WebInfo) -> str | None:
        if self.product_upc is None:
            return None
        card = await info.context.loaders.one(info.context.specs.product_card, self.product_upc)
        return card["name"] if card else None

    @classmethod
    def of(cls, review: dict[str, Any]) -> RecentReview:
        view = ReviewView.of(review)
        product = review.get("product") or {}
        return cls(
            id=view.id,
            body=view.body,
            rating=view.rating,
            created_at=view.created_at,
            author_id=view.author_id,
            product_upc=product.get("upc"),
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="One page of a product's reviews.")
class ReviewPage:
    total_count: int
    reviews: list[ReviewView]
    page_info: PageInfo


@strawberry.type(description="One line of an order, with the product's current name.")
class OrderLine:
    upc: str
    quantity: int
    unit_price_cents: int
    unit_price_label: str

    @strawberry.field
    async def product_name(self, info: WebInfo) -> str | None:
        card = await info.context.loaders.one(info.context.specs.product_card, self.upc)
        return card["name"] if card else None


@strawberry.type(description="An order as the account page lists it.")
class OrderView:
    id: strawberry.ID
    status: str
    placed_at: str
    total_cents: int
    total_label: str
    items: list[OrderLine]

    @classmethod
    def of(cls, order: dict[str, Any]) -> OrderView:
        return cls(
            id=strawberry.ID(str(order["id"])),
            status=str(order["status"]),
            placed_at=order["placedAt"],
            total_cents=order["total"],
            total_label=price_label(order["total"]),
            items=[
                OrderLine(
                    upc=item["product"]["upc"],
                    quantity=item["quantity"],
                    unit_price_cents=item["unitPrice"],
                    unit_price_label=price_label(item["unitPrice"]),
                )
                for item in order.get("items") or []
                if item.get("product")
            ],
        )
