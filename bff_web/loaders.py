"""The web BFF's entity selections: what each web screen needs from the router, per entity.

Each :class:`~bff.loaders.EntitySpec` is one cache kind and one router operation shape; TTLs come
from the settings (short for entries carrying stock or orders, which ``placeOrder`` changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from bff.loaders import EntitySpec
from bff.settings import BFFSettings

__all__ = ["WebSpecs", "web_specs"]


@dataclass(frozen=True)
class WebSpecs:
    product_card: EntitySpec
    product_detail: EntitySpec
    user_name: EntitySpec
    user_profile: EntitySpec
    user_orders: EntitySpec
    list_ttl_seconds: int


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
