"""The mobile BFF's entity selections: compact, only what the phone screens render."""

from __future__ import annotations

from dataclasses import dataclass

from bff.loaders import EntitySpec
from bff.settings import BFFSettings
from bff.specs import RootTemplate

__all__ = ["FEED", "MobileSpecs", "mobile_specs"]

FEED = RootTemplate(
    "Feed",
    "productsConnection(first: $first, after: $after)"
    " { edges { node { upc } } pageInfo { hasNextPage endCursor } }",
    (("first", "Int!"), ("after", "String")),
)
"""The feed's page of upcs (``bff-manifest`` renders it for the registry)."""


@dataclass(frozen=True)
class MobileSpecs:
    product_tile: EntitySpec
    product_detail: EntitySpec
    user_name: EntitySpec
    user_orders: EntitySpec
    list_ttl_seconds: int


def mobile_specs(settings: BFFSettings) -> MobileSpecs:
    stock, entity = settings.stock_ttl_seconds, settings.entity_ttl_seconds
    return MobileSpecs(
        product_tile=EntitySpec(
            "MobileProductTile",
            "productsByUpc",
            "upcs",
            "[String!]!",
            "upc name price inStock reviewSummary { averageRating }",
            stock,
            "Product",
        ),
        product_detail=EntitySpec(
            "MobileProductDetail",
            "productsByUpc",
            "upcs",
            "[String!]!",
            "upc name price description inStock shippingEstimate"
            " reviewSummary { count averageRating } reviews { id body rating createdAt author { id } }",
            stock,
            "Product",
        ),
        user_name=EntitySpec(
            "MobileUserName", "usersById", "ids", "[ID!]!", "id name", entity, "User"
        ),
        user_orders=EntitySpec(
            "MobileUserOrders",
            "usersById",
            "ids",
            "[ID!]!",
            "id orders(first: 100) { id status placedAt total items { quantity } }",
            stock,
            "UserOrders",
        ),
        list_ttl_seconds=settings.list_ttl_seconds,
    )
