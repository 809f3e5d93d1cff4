"""The mobile BFF's loader pieces: compact, only what the phone screens render (operations of
:data:`bff_mobile.operations.DOCUMENT`)."""

from __future__ import annotations

from dataclasses import dataclass

from bff.settings import BFFSettings
from bff.specs import EntitySpec, RootTemplate, operation_named
from bff_mobile.operations import DOCUMENT, operation

__all__ = ["FEED", "MobileSpecs", "mobile_specs"]

FEED = RootTemplate(operation_named(DOCUMENT, operation("Feed")))
"""The feed's page of upcs."""


@dataclass(frozen=True)
class MobileSpecs:
    product_tile: EntitySpec
    product_detail: EntitySpec
    user_name: EntitySpec
    user_orders: EntitySpec
    list_ttl_seconds: int


def _spec(piece: str, ttl: int, tag_prefix: str) -> EntitySpec:
    name = f"Mobile{piece}"
    return EntitySpec(name, operation_named(DOCUMENT, operation(piece)), ttl, tag_prefix)


def mobile_specs(settings: BFFSettings) -> MobileSpecs:
    stock, entity = settings.stock_ttl_seconds, settings.entity_ttl_seconds
    return MobileSpecs(
        product_tile=_spec("ProductTile", stock, "Product"),
        product_detail=_spec("ProductDetail", stock, "Product"),
        user_name=_spec("UserName", entity, "User"),
        user_orders=_spec("UserOrders", stock, "UserOrders"),
        list_ttl_seconds=settings.list_ttl_seconds,
    )
