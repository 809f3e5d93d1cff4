"""The web BFF's client-shaped schema (issue #6): one root field per storefront screen.

``homePage``, ``productPage(upc)``, ``account`` and ``placeOrder``; the product page's live stock
badge is ``subscription { productStock(upc) }`` (:mod:`bff_web.live`). Every resolver reads through
the request's loaders (``bff.loaders``), so each screen costs a constant number of router
requests cold and none warm.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

from bff.extensions import bff_extensions
from bff.router_client import RouterError
from bff.shaping import bad_input, clamp, price_label, unauthenticated
from bff_web.live import Subscription
from bff_web.loaders import ROOTS
from bff_web.operations import PLACE_ORDER
from bff_web.types import (
    OrderView,
    PageInfo,
    ProductCard,
    RatingSummary,
    RecentReview,
    ReviewPage,
    ReviewView,
    WebInfo,
)

__all__ = ["schema"]


async def _cards(info: WebInfo, upcs: list[str]) -> list[ProductCard]:
    products = await info.context.loaders.many(info.context.specs.product_card, upcs)
    return [ProductCard.of(p) for p in products if p is not None]


@strawberry.type(description="The home page: featured products and what people said lately.")
class HomePage:
    featured_count: strawberry.Private[int]
    review_count: strawberry.Private[int]

    @strawberry.field
    async def featured(self, info: WebInfo) -> list[ProductCard]:
        ttl = info.context.specs.list_ttl_seconds
        top = await info.context.loaders.root_field(
            ROOTS.top_products.call(ttl, first=self.featured_count)
        )
        return await _cards(info, [p["upc"] for p in top or [] if p])

    @strawberry.field
    async def recent_reviews(self, info: WebInfo) -> list[RecentReview]:
        ttl = info.context.specs.list_ttl_seconds
        reviews = await info.context.loaders.root_field(
            ROOTS.recent_reviews.call(ttl, first=self.review_count)
        )
        return [RecentReview.of(r) for r in reviews or [] if r]


@strawberry.type(description="The product page: details, stock, shipping, reviews, related items.")
class ProductPage:
    upc: str
    name: str
    description: str
    category: str
    price_cents: int
    price_label: str
    weight_grams: int
    in_stock: bool
    stock_quantity: int
    shipping_estimate_cents: int | None
    summary: strawberry.Private[dict[str, Any] | RouterError | None]
    """The product's rating piece (reviews), or the router's error when it failed."""

    @strawberry.field
    def rating(self) -> RatingSummary:
        """Reports the reviews service's failure here, at ``productPage.rating``, so a page that
        does not ask for the rating is unaffected by it."""
        return self._rating()

    def _rating(self) -> RatingSummary:
        if isinstance(self.summary, RouterError):
            raise self.summary
        return RatingSummary.of((self.summary or {}).get("reviewSummary"))

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Reviews, oldest first (the reviews service's order); null with an error "
        "for a cursor the reviews service rejects."
    )
    async def reviews(
        self, info: WebInfo, first: int = 5, after: str | None = None
    ) -> ReviewPage | None:
        first = clamp(first, 1, 50, "first")
        connection = await info.context.loaders.root_field(
            ROOTS.product_reviews.call(
                info.context.specs.list_ttl_seconds,
                (f"Product:{self.upc}",),
                upc=self.upc,
                first=first,
                after=after,
            )
        )
        page = (connection or {}).get("reviewsConnection") or {}
        info_ = page.get("pageInfo") or {}
        return ReviewPage(
            total_count=self._rating().count,
            reviews=[ReviewView.of(e["node"]) for e in page.get("edges") or []],
            page_info=PageInfo(
                has_next_page=bool(info_.get("hasNextPage")), end_cursor=info_.get("endCursor")
            ),
        )

    @strawberry.field(description="Other products of the same category, in catalogue order.")  # type: ignore[untyped-decorator]
    async def related(self, info: WebInfo, first: int = 4) -> list[ProductCard]:
        first = clamp(first, 1, 20, "first")
        connection = await info.context.loaders.root_field(
            ROOTS.related_products.call(
                info.context.specs.list_ttl_seconds, first=first + 1, category=self.category
            )
        )
        upcs = [e["node"]["upc"] for e in connection["edges"] if e["node"]["upc"] != self.upc]
        return await _cards(info, upcs[:first])

    @classmethod
    def of(
        cls, product: dict[str, Any], summary: dict[str, Any] | RouterError | None
    ) -> ProductPage:
        return cls(
            upc=product["upc"],
            name=product["name"],
            description=product["description"],
            category=product["category"],
            price_cents=product["price"],
            price_label=price_label(product["price"]),
            weight_grams=product["weight"],
            in_stock=bool(product["inStock"]),
            stock_quantity=product["stockQuantity"],
            shipping_estimate_cents=product.get("shippingEstimate"),
            summary=summary,
        )


@strawberry.type(description="The signed-in customer's account page.")
class Account:
    id: strawberry.ID
    name: str
    username: str
    email: str
    member_since: str

    @strawberry.field(description="Orders, newest first.")  # type: ignore[untyped-decorator]
    async def orders(self, info: WebInfo) -> list[OrderView]:
        user = await info.context.loaders.one(info.context.specs.user_orders, str(self.id))
        orders = [OrderView.of(o) for o in (user or {}).get("orders") or []]
        return sorted(orders, key=lambda o: (o.placed_at, int(o.id)), reverse=True)


@strawberry.type
class Query:
    @strawberry.field
    async def home_page(self, featured: int = 8, reviews: int = 5) -> HomePage:
        return HomePage(
            featured_count=clamp(featured, 1, 50, "featured"),
            review_count=clamp(reviews, 1, 50, "reviews"),
        )

    @strawberry.field
    async def product_page(self, info: WebInfo, upc: str) -> ProductPage | None:
        specs, loaders = info.context.specs, info.context.loaders
        # both pieces in the same step (one router request); the rating's failure is kept for
        # the ``rating`` field instead of failing the page
        pieces: tuple[Any, ...] = await asyncio.gather(
            loaders.one(specs.product_detail, upc),
            loaders.one(specs.product_rating, upc),
            return_exceptions=True,
        )
        product, summary = pieces
        if isinstance(product, BaseException):
            raise product
        if isinstance(summary, BaseException) and not isinstance(summary, RouterError):
            raise summary
        return ProductPage.of(product, summary) if product else None

    @strawberry.field
    async def account(self, info: WebInfo) -> Account | None:
        user_id = await info.context.current_user_id()
        if user_id is None:
            raise unauthenticated()
        specs, loaders = info.context.specs, info.context.loaders
        # the orders are asked for in the same step (the Account.orders field reuses the load)
        user, _ = await asyncio.gather(
            loaders.one(specs.user_profile, user_id), loaders.one(specs.user_orders, user_id)
        )
        if user is None:
            return None
        return Account(
            id=strawberry.ID(str(user["id"])),
            name=user["name"],
            username=user["username"],
            email=user["email"],
            member_since=user["createdAt"],
        )


@strawberry.input
class OrderLineInput:
    upc: str
    quantity: int


@strawberry.input(description="An order; the idempotency key makes a retried submit harmless.")
class PlaceOrderInput:
    idempotency_key: str
    items: list[OrderLineInput]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Place an order for the signed-in customer.")  # type: ignore[untyped-decorator]
    async def place_order(self, info: WebInfo, input: PlaceOrderInput) -> OrderView:
        user_id = await info.context.current_user_id()
        if user_id is None:
            raise unauthenticated()
        if not input.items or not input.idempotency_key:
            raise bad_input("an order needs an idempotency key and at least one item")
        variables = {
            "input": {
                "idempotencyKey": input.idempotency_key,
                "items": [{"upc": i.upc, "quantity": i.quantity} for i in input.items],
            }
        }
        context = info.context
        # by id when the BFF sends ids (router_persisted_ids), else as text
        body = await context.router.execute_operation(
            PLACE_ORDER, variables, headers=context.headers
        )
        order = body["data"]["placeOrder"]
        tags = [f"UserOrders:{user_id}"]
        tags += [f"Product:{i['product']['upc']}" for i in order["items"] if i.get("product")]
        tags += [f"Product:{i.upc}" for i in input.items]
        await context.runtime.cache.invalidate_tags(sorted(set(tags)))
        context.loaders.forget(lambda tag: tag in tags)
        return OrderView.of(order)


schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, extensions=bff_extensions()
)
