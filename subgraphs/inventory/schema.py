"""The inventory subgraph's GraphQL schema (Strawberry, Apollo Federation v2).

It extends ``Product`` (``@key(fields: "upc")``) with stock and a shipping estimate that
``@requires`` the product's price and weight (owned by products). The reservation mutations are
``@inaccessible``: orders calls them directly; the client API never shows them. Being hidden is
not a control: each one answers only a request signed by the orders service
(:mod:`servicekit.auth.service`); anyone else gets ``FORBIDDEN``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from subgraphs.common.cache_directive import CacheControl
from subgraphs.common.db import Database
from subgraphs.common.identity import calling_service
from subgraphs.common.limits import MAX_IDEMPOTENCY_KEY, MAX_IDS, check_length, check_size
from subgraphs.common.strawberry_app import federation_schema
from subgraphs.inventory import live, reservations
from subgraphs.inventory.loaders import Loaders

__all__ = ["Context", "schema", "shipping_estimate"]

FREE_SHIPPING_ABOVE_CENTS = 1000
AUDIENCE = "inventory"
RESERVING_SERVICES = frozenset({"orders"})


class Context(BaseContext):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.loaders = Loaders.create(db)


def shipping_estimate(price: int, weight: int) -> int:
    """Apollo's demo rule: free above 1000 cents, else half the weight, rounded."""
    return 0 if price > FREE_SHIPPING_ABOVE_CENTS else round(weight * 0.5)


async def _load_product(
    info: Info[Context, None], upc: object, price: object, weight: object
) -> Product | None:
    if not isinstance(upc, str):
        return None
    stock = await info.context.loaders.stock.load(upc)
    if stock is None:
        return None
    return Product(
        upc=upc,
        price=price if isinstance(price, int) else None,
        weight=weight if isinstance(weight, int) else None,
        stock_quantity=stock.quantity,
    )


@strawberry.federation.type(keys=["upc"], directives=[CacheControl(max_age=5)])
class Product:
    upc: str
    # Same types as in products (composition: EXTERNAL_TYPE_MISMATCH otherwise); None when a
    # representation did not carry them.
    price: int | None = strawberry.federation.field(external=True, graphql_type=int)
    weight: int | None = strawberry.federation.field(external=True, graphql_type=int)
    # the exact count changes with every reservation: never cached (issue #17)
    stock_quantity: int = strawberry.field(directives=[CacheControl(max_age=0)])

    @strawberry.field
    def in_stock(self) -> bool:
        return self.stock_quantity > 0

    @strawberry.federation.field(requires=["price weight"])  # type: ignore[untyped-decorator]
    def shipping_estimate(self) -> int | None:
        if self.price is None or self.weight is None:
            return None
        return shipping_estimate(self.price, self.weight)

    @classmethod
    def resolve_reference(
        cls,
        info: Info[Context, None],
        upc: str,
        price: int | None = None,
        weight: int | None = None,
        **_: Any,
    ) -> Awaitable[Product | None]:
        return _load_product(info, upc, price, weight)


@strawberry.enum
class ReservationStatus(Enum):
    RESERVED = "RESERVED"
    RELEASED = "RELEASED"
    CONFIRMED = "CONFIRMED"


@strawberry.input
class StockItemInput:
    upc: str
    quantity: int


@strawberry.type
class StockReservationItem:
    upc: str
    quantity: int


@strawberry.type
class StockReservation:
    idempotency_key: str
    status: ReservationStatus
    items: list[StockReservationItem]

    @classmethod
    def of(cls, reservation: reservations.Reservation) -> StockReservation:
        return cls(
            idempotency_key=reservation.idempotency_key,
            status=ReservationStatus(reservation.status),
            items=[StockReservationItem(upc=u, quantity=q) for u, q in reservation.items],
        )


def _only_orders(info: Info[Context, None], key: str) -> None:
    """Internal mutations answer the orders service only (a verified service identity)."""
    service = calling_service(info.context.request, AUDIENCE)
    if service not in RESERVING_SERVICES:
        raise GraphQLError(
            "stock reservations are internal to the orders service",
            extensions={"code": "FORBIDDEN"},
        )
    check_length("idempotencyKey", key, MAX_IDEMPOTENCY_KEY + 24)  # + the orders' user scope


def _stock_error(error: Exception) -> GraphQLError:
    if isinstance(error, reservations.OutOfStockError):
        return GraphQLError(str(error), extensions={"code": "OUT_OF_STOCK", "upcs": error.upcs})
    if isinstance(error, reservations.IdempotencyConflictError):
        return GraphQLError(str(error), extensions={"code": "IDEMPOTENCY_KEY_CONFLICT"})
    return GraphQLError(str(error), extensions={"code": "BAD_USER_INPUT"})


_STOCK_ERRORS = (
    reservations.OutOfStockError,
    reservations.IdempotencyConflictError,
    reservations.InvalidReservationError,
)


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(inaccessible=True)  # type: ignore[untyped-decorator]
    async def reserve_stock(
        self, info: Info[Context, None], idempotency_key: str, items: list[StockItemInput]
    ) -> StockReservation:
        """Take stock for an order; the same key again changes nothing (other items: a
        conflict). Unconfirmed, it expires and the sweeper gives the stock back."""
        _only_orders(info, idempotency_key)
        check_size("items", items, MAX_IDS)
        try:
            reservation = await reservations.reserve(
                info.context.db, idempotency_key, [(i.upc, i.quantity) for i in items]
            )
        except _STOCK_ERRORS as error:
            raise _stock_error(error) from error
        return StockReservation.of(reservation)

    @strawberry.federation.mutation(inaccessible=True)  # type: ignore[untyped-decorator]
    async def confirm_stock(
        self, info: Info[Context, None], idempotency_key: str
    ) -> StockReservation | None:
        """The order is stored: keep the stock (no expiry); null for an unknown key."""
        _only_orders(info, idempotency_key)
        try:
            reservation = await reservations.confirm(info.context.db, idempotency_key)
        except _STOCK_ERRORS as error:
            raise _stock_error(error) from error
        return StockReservation.of(reservation) if reservation else None

    @strawberry.federation.mutation(inaccessible=True)  # type: ignore[untyped-decorator]
    async def release_stock(
        self, info: Info[Context, None], idempotency_key: str
    ) -> StockReservation | None:
        """Give a reservation's stock back (once); null for an unknown key."""
        _only_orders(info, idempotency_key)
        reservation = await reservations.release(info.context.db, idempotency_key)
        return StockReservation.of(reservation) if reservation else None


@strawberry.type
class Subscription:
    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        is_subscription=True,
        description="The product's stock now, then at each change (reservations, releases, "
        "expiries).",
    )
    async def stock_changed(
        self, info: Info[Context, None], upc: str
    ) -> AsyncGenerator[Product, None]:
        return _products(await live.stock_stream(info.context.db, upc))


async def _products(levels: AsyncIterator[tuple[str, int]]) -> AsyncGenerator[Product, None]:
    async for upc, quantity in levels:
        yield Product(upc=upc, price=None, weight=None, stock_quantity=quantity)


schema = federation_schema(None, Mutation, types=[Product], subscription=Subscription)
