"""The orders subgraph's GraphQL schema (Strawberry, Apollo Federation v2).

``Order`` is an entity; ``User`` is extended with its orders; ``Product`` is referenced only
(``resolvable: false``), the router fetches its fields from products.

Authorization is enforced here, not only in the router (a subgraph must not trust that only the
router calls it): an order (``order(id:)``, ``User.orders``, an ``Order`` entity) is visible to
its owner and to callers with the :data:`ADMIN_SCOPE`; ``placeOrder`` needs a signed-in caller and
places the order for that caller only (there is no way to name another buyer).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import BaseContext
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from subgraphs.common.cache_directive import CacheControl, CacheControlScope
from subgraphs.common.clock import as_utc
from subgraphs.common.db import Database
from subgraphs.common.identity import caller
from subgraphs.common.ids import parse_int_id
from subgraphs.common.limits import MAX_IDS, check_size
from subgraphs.common.pagination import clamp_first, decode_cursor
from subgraphs.common.strawberry_app import federation_schema, given
from subgraphs.orders import live, placement
from subgraphs.orders.loaders import Loaders
from subgraphs.orders.models import Order as OrderRow
from subgraphs.orders.saga import Saga
from subgraphs.orders.upstream import UpstreamError, Upstreams

__all__ = ["ADMIN_SCOPE", "CURSOR_KIND", "Context", "schema"]

CURSOR_KIND = "order"
ADMIN_SCOPE = "orders:admin"


class Context(BaseContext):
    def __init__(self, db: Database, upstreams: Upstreams, saga: Saga) -> None:
        super().__init__()
        self.db = db
        self.upstreams = upstreams
        self.saga = saga
        self.loaders = Loaders.create(db)


_PRIVATE = CacheControl(max_age=30, scope=CacheControlScope.PRIVATE)
"""Orders are their owner's (issue #17: cached per user only, 30 s)."""


@strawberry.enum(description="PENDING while the order saga runs, then CONFIRMED or CANCELLED.")
class OrderStatus(Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    PLACED = "PLACED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("upc"), resolvable=False)],
    directives=[CacheControl(inherit_max_age=True)],
)
class Product:
    upc: str


@strawberry.type(directives=[CacheControl(inherit_max_age=True)])
class OrderItem:
    product: Product
    quantity: int
    unit_price: int


@strawberry.type(
    description="One change of an order's status or saga step, oldest first.",
    directives=[CacheControl(inherit_max_age=True)],
)
class OrderStatusChange:
    status: OrderStatus
    step: str | None = strawberry.field(
        description="The saga step the order waits for: RESERVING_STOCK, CHARGING_PAYMENT."
    )
    reason: str | None
    at: datetime


def _may_read(info: Info[Context, None], owner_id: int) -> bool:
    """The caller owns the orders of ``owner_id`` or holds the admin scope."""
    identity = caller(info.context.request)
    if identity is None:
        return False
    return identity.user_id == str(owner_id) or ADMIN_SCOPE in identity.scopes


def _unauthenticated(what: str) -> GraphQLError:
    return GraphQLError(f"{what} needs a signed-in user", extensions={"code": "UNAUTHENTICATED"})


async def _load_order(info: Info[Context, None], order_id: object) -> Order | None:
    """The order when the caller may see it; null when it does not exist or is someone else's
    (the same answer, so ids cannot be probed for existence)."""
    key = parse_int_id(order_id)
    if key is None:
        return None
    row = await info.context.loaders.orders.load(key)
    if row is None or not _may_read(info, row.user_id):
        return None
    return Order.from_row(row)


@strawberry.federation.type(keys=["id"], directives=[_PRIVATE])
class Order:
    id: strawberry.ID
    user_id: strawberry.Private[int]
    total: int
    status: OrderStatus
    placed_at: datetime
    status_reason: str | None = strawberry.field(
        description="Why the order was CANCELLED (out of stock, payment declined, a timeout)."
    )

    @classmethod
    def from_row(cls, row: OrderRow) -> Order:
        return cls(
            id=strawberry.ID(str(row.id)),
            user_id=row.user_id,
            total=row.total,
            status=OrderStatus(row.status),
            placed_at=as_utc(row.placed_at),
            status_reason=row.reason,
        )

    @strawberry.field(description="Every status change of the order, oldest first.")  # type: ignore[untyped-decorator]
    async def status_history(self, info: Info[Context, None]) -> list[OrderStatusChange]:
        rows = await info.context.loaders.history.load(int(self.id))
        return [
            OrderStatusChange(
                status=OrderStatus(r.status), step=r.step, reason=r.reason, at=as_utc(r.at)
            )
            for r in rows
        ]

    @strawberry.field
    def user(self) -> User:
        return User(id=strawberry.ID(str(self.user_id)))

    @strawberry.field
    async def items(self, info: Info[Context, None]) -> list[OrderItem]:
        rows = await info.context.loaders.items.load(int(self.id))
        return [
            OrderItem(
                product=Product(upc=r.product_upc), quantity=r.quantity, unit_price=r.unit_price
            )
            for r in rows
        ]

    @classmethod
    def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID, **_: Any
    ) -> Awaitable[Order | None]:
        return _load_order(info, id)


def _check_owner(info: Info[Context, None], user_id: int) -> None:
    """Only the owner (or an admin) sees a user's orders; the router already removes the field
    for anonymous callers (``@authenticated``), a direct call is checked here all the same."""
    if not _may_read(info, user_id):
        raise GraphQLError(
            "orders are visible to their owner only", extensions={"code": "FORBIDDEN"}
        )


@strawberry.federation.type(keys=["id"], directives=[_PRIVATE])
class User:
    id: strawberry.ID

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        authenticated=True, description="The user's orders, oldest first; the owner only."
    )
    async def orders(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = strawberry.UNSET,
    ) -> list[Order]:
        user_id = parse_int_id(self.id)
        if user_id is None:
            return []
        _check_owner(info, user_id)
        after_key = decode_cursor(CURSOR_KIND, given(after))
        after_id = parse_int_id(after_key) if after_key is not None else None
        if after_key is not None and after_id is None:
            raise GraphQLError(f"invalid cursor {after!r}", extensions={"code": "BAD_USER_INPUT"})
        pages = info.context.loaders.user_pages
        rows = await pages.load((user_id, clamp_first(first, 20), after_id))
        return [Order.from_row(row) for row in rows]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: Any) -> User:
        return cls(id=id)


@strawberry.input
class OrderItemInput:
    upc: str
    quantity: int


@strawberry.input
class PlaceOrderInput:
    idempotency_key: str = strawberry.field(
        description="At most 128 characters; unique per user: the same key with another order "
        "is IDEMPOTENCY_KEY_CONFLICT."
    )
    items: list[OrderItemInput] = strawberry.field(description="1 to 100 lines.")
    payment_method: str | None = strawberry.field(
        default=None,
        description="The payment method token to charge (pm_..., at most 67 characters): "
        "Stripe's test tokens (pm_card_visa, pm_card_visa_chargeDeclined ...) or one made by "
        "createPaymentMethod. Never a card number. Default pm_card_visa.",
    )


@strawberry.type
class Query:
    @strawberry.field(description="An order of the caller's (or any, with orders:admin).")  # type: ignore[untyped-decorator]
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> Order | None:
        if caller(info.context.request) is None:
            raise _unauthenticated("order")
        return await _load_order(info, id)


def _request(info: Info[Context, None], data: PlaceOrderInput) -> placement.OrderRequest:
    """The buyer is the verified caller, always."""
    identity = caller(info.context.request)
    user_id = parse_int_id(identity.user_id) if identity else None
    if user_id is None:
        raise _unauthenticated("placeOrder")
    check_size("items", data.items, MAX_IDS)
    items = [(item.upc, item.quantity) for item in data.items]
    method = data.payment_method or ""
    return placement.OrderRequest(data.idempotency_key, user_id, items, method)


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(  # type: ignore[untyped-decorator]
        authenticated=True,
        description="Place an order for the signed-in user, once per idempotencyKey. It "
        "answers at once with the order PENDING; the order saga then reserves stock and charges "
        "the payment, and the order becomes CONFIRMED or CANCELLED (poll order(id:)).",
    )
    async def place_order(self, info: Info[Context, None], input: PlaceOrderInput) -> Order:
        request = _request(info, input)
        context = info.context
        try:
            row = await placement.place_order(context.db, context.upstreams, context.saga, request)
        except (placement.PlaceOrderError, UpstreamError) as error:
            raise GraphQLError(
                str(error), extensions={"code": error.code, **error.extensions}
            ) from error
        return Order.from_row(row)

    @strawberry.federation.mutation(  # type: ignore[untyped-decorator]
        requires_scopes=[[ADMIN_SCOPE]],
        description="Move an order to a status (back office, orders:admin); subscribers of "
        "orderStatusChanged receive it. Null for an unknown order.",
    )
    async def set_order_status(
        self, info: Info[Context, None], id: strawberry.ID, status: OrderStatus
    ) -> Order | None:
        identity = caller(info.context.request)
        row = await live.set_status(info.context.db, identity, id, status.value)
        return Order.from_row(row) if row is not None else None


@strawberry.type
class Subscription:
    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        is_subscription=True,
        authenticated=True,
        description="The order now, then each change of its status; its owner (or "
        "orders:admin) only.",
    )
    async def order_status_changed(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> AsyncGenerator[Order, None]:
        rows = await live.order_status_stream(info.context.db, info.context.request, order_id)
        return _orders(rows)


async def _orders(rows: AsyncIterator[OrderRow]) -> AsyncGenerator[Order, None]:
    async for row in rows:
        yield Order.from_row(row)


schema = federation_schema(
    Query, Mutation, types=[Order, User, Product, OrderStatusChange], subscription=Subscription
)
