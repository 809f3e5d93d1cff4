"""Apollo Server's ``@cacheControl`` directive for the Strawberry subgraphs (schema-first ones
declare :data:`subgraphs.common.cache_control.CACHE_CONTROL_SDL` in their SDL instead)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.schema_directive import Location

__all__ = ["CacheControl", "CacheControlScope"]


@strawberry.enum
class CacheControlScope(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@strawberry.schema_directive(
    name="cacheControl",
    locations=[Location.FIELD_DEFINITION, Location.OBJECT, Location.INTERFACE, Location.UNION],
)
class CacheControl:
    """``@cacheControl(maxAge, scope, inheritMaxAge)``: Apollo Server's cache hint."""

    max_age: int | None = strawberry.UNSET
    scope: CacheControlScope | None = strawberry.UNSET
    inherit_max_age: bool | None = strawberry.UNSET
