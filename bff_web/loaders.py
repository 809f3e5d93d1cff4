"""The web BFF's loader pieces: what each web screen needs from the router, per entity.

Each :class:`~bff.specs.EntitySpec` is one cache kind and one operation of
:data:`bff_web.operations.DOCUMENT`; TTLs come from the settings (short for entries carrying stock
or orders, which ``placeOrder`` changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from bff.settings import BFFSettings
from bff.specs import EntitySpec, RootTemplate, operation_named
from bff_web.operations import DOCUMENT, operation

__all__ = ["ROOTS", "WebRoots", "WebSpecs", "web_specs"]


@dataclass(frozen=True)
class WebSpecs:
    product_card: EntitySpec
    product_detail: EntitySpec
    product_rating: EntitySpec
    user_name: EntitySpec
    user_profile: EntitySpec
    user_orders: EntitySpec
    list_ttl_seconds: int


def _root(piece: str) -> RootTemplate:
    return RootTemplate(operation_named(DOCUMENT, operation(piece)))


class WebRoots:
    """The root field calls the web screens make."""

    top_products = _root("TopProducts")
    recent_reviews = _root("RecentReviews")
    product_reviews = _root("ProductReviews")
    related_products = _root("RelatedProducts")


ROOTS = WebRoots()


def _spec(piece: str, ttl: int, tag_prefix: str) -> EntitySpec:
    return EntitySpec(f"Web{piece}", operation_named(DOCUMENT, operation(piece)), ttl, tag_prefix)


def web_specs(settings: BFFSettings) -> WebSpecs:
    stock, entity = settings.stock_ttl_seconds, settings.entity_ttl_seconds
    return WebSpecs(
        product_card=_spec("ProductCard", stock, "Product"),
        product_detail=_spec("ProductDetail", stock, "Product"),
        product_rating=_spec("ProductRating", stock, "Product"),
        user_name=_spec("UserName", entity, "User"),
        user_profile=_spec("UserProfile", entity, "User"),
        user_orders=_spec("UserOrders", stock, "UserOrders"),
        list_ttl_seconds=settings.list_ttl_seconds,
    )
