"""The web BFF's entity selections: what each web screen needs from the router, per entity.

Each :class:`~bff.loaders.EntitySpec` is one cache kind and one router operation shape; TTLs come
from the settings (short for entries carrying stock or orders, which ``placeOrder`` changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from bff.loaders import EntitySpec
from bff.settings import BFFSettings
from bff.specs import RootTemplate

__all__ = ["ROOTS", "ROOT_TEMPLATES", "WebRoots", "WebSpecs", "web_specs"]


@dataclass(frozen=True)
class WebSpecs:
    product_card: EntitySpec
    product_detail: EntitySpec
    user_name: EntitySpec
    user_profile: EntitySpec
    user_orders: EntitySpec
    list_ttl_seconds: int


REVIEW_NODE = "id body rating createdAt author { id }"


class WebRoots:
    """The root field calls the web screens make (``bff-manifest`` renders each for the registry)."""

    top_products = RootTemplate(
        "TopProducts", "topProducts(first: $first) { upc }", (("first", "Int!"),)
    )
    recent_reviews = RootTemplate(
        "RecentReviews",
        f"recentReviews(first: $first) {{ {REVIEW_NODE} product {{ upc }} }}",
        (("first", "Int!"),),
    )
    product_reviews = RootTemplate(
        "ProductReviews",
        f"product(upc: $upc) {{ reviewsConnection(first: $first, after: $after) {{ edges {{ node"
        f" {{ {REVIEW_NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
        (("upc", "String!"), ("first", "Int!"), ("after", "String")),
    )
    related_products = RootTemplate(
        "RelatedProducts",
        "productsConnection(first: $first, category: $category) { edges { node { upc } } }",
        (("first", "Int!"), ("category", "String")),
    )


ROOTS = WebRoots()
ROOT_TEMPLATES = (
    ROOTS.top_products,
    ROOTS.recent_reviews,
    ROOTS.product_reviews,
    ROOTS.related_products,
)


def _product(name: str, selection: str, ttl: int) -> EntitySpec:
    return EntitySpec(name, "productsByUpc", "upcs", "[String!]!", selection, ttl, "Product")


def _user(name: str, selection: str, ttl: int, tag_prefix: str = "User") -> EntitySpec:
    return EntitySpec(name, "usersById", "ids", "[ID!]!", selection, ttl, tag_prefix)


def web_specs(settings: BFFSettings) -> WebSpecs:
    stock, entity = settings.stock_ttl_seconds, settings.entity_ttl_seconds
    return WebSpecs(
        product_card=_product(
            "WebProductCard",
            "upc name price inStock reviewSummary { count averageRating }",
            stock,
        ),
        product_detail=_product(
            "WebProductDetail",
            "upc name description category price weight inStock stockQuantity shippingEstimate"
            " reviewSummary { count averageRating }",
            stock,
        ),
        user_name=_user("WebUserName", "id name username", entity),
        user_profile=_user("WebUserProfile", "id name username email createdAt", entity),
        user_orders=_user(
            "WebUserOrders",
            "id orders(first: 100) { id status placedAt total items { quantity unitPrice product { upc } } }",
            stock,
            "UserOrders",
        ),
        list_ttl_seconds=settings.list_ttl_seconds,
    )
