"""``placeOrder``: price, reserve, insert, confirm, exactly once per (user, idempotency key)
(no GraphQL here).

Keys are scoped per user (the IETF Idempotency-Key draft, section 2: a key is unique per client),
stored as ``<user id>:<key>``; inventory's reservation uses the same scoped key.

1. An order with this key exists: the same request (items) answers it (a retry, and its stock
   reservation is confirmed again); a different one is ``IDEMPOTENCY_KEY_CONFLICT`` (the draft's
   409 semantics: a key reused for another request is an error, never a silent replay).
2. Ask products for unit prices; unknown UPCs are a client error.
3. Reserve stock in inventory under the key (idempotent there too; it expires unless confirmed).
4. Insert the order. A concurrent duplicate loses on the unique key and answers the winner's
   order; any other failure releases the stock and answers INTERNAL_SERVER_ERROR.
5. Confirm the reservation, so inventory's sweeper keeps it. A process that dies between 4 and 5
   confirms on its next start (:func:`confirm_recent`); one that dies before 4 leaves a
   reservation the sweeper releases after its expiry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from servicekit.logging import get_logger
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.common.limits import MAX_IDEMPOTENCY_KEY, MAX_IDS, MAX_UPC
from subgraphs.orders.models import Order, OrderItem
from subgraphs.orders.upstream import UpstreamError, Upstreams

__all__ = [
    "OrderRequest",
    "PlaceOrderError",
    "confirm_recent",
    "find_by_key",
    "place_order",
    "scoped_key",
]

MAX_ITEMS = MAX_IDS
_log = get_logger("subgraphs.orders")


class PlaceOrderError(Exception):
    """The order cannot be placed; ``code`` is the GraphQL error code to answer."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = extensions


@dataclass(frozen=True)
class OrderRequest:
    idempotency_key: str
    user_id: int
    items: Sequence[tuple[str, int]]


def scoped_key(user_id: int, key: str) -> str:
    """The stored key: the client's key under its user (``3:checkout-17``)."""
    return f"{user_id}:{key}"


async def find_by_key(db: Database, key: str) -> Order | None:
    async with db.session() as session:
        return await session.scalar(select(Order).where(col(Order.idempotency_key) == key))


def _validated(request: OrderRequest) -> list[tuple[str, int]]:
    if not request.idempotency_key:
        raise PlaceOrderError("idempotencyKey must not be empty", "BAD_USER_INPUT")
    if len(request.idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise PlaceOrderError(
            f"idempotencyKey is limited to {MAX_IDEMPOTENCY_KEY} characters",
            "BAD_USER_INPUT",
            argument="idempotencyKey",
            maximum=MAX_IDEMPOTENCY_KEY,
        )
    if not request.items or len(request.items) > MAX_ITEMS:
        raise PlaceOrderError(f"an order has 1 to {MAX_ITEMS} items", "BAD_USER_INPUT")
    totals: Counter[str] = Counter()
    for upc, quantity in request.items:
        if len(upc) > MAX_UPC:
            raise PlaceOrderError(f"upc is limited to {MAX_UPC} characters", "BAD_USER_INPUT")
        if quantity <= 0:
            raise PlaceOrderError(f"quantity for {upc} must be positive", "BAD_USER_INPUT")
        totals[upc] += quantity
    return sorted(totals.items())


async def _insert(
    db: Database, key: str, user_id: int, items: list[tuple[str, int]], prices: dict[str, int]
) -> Order:
    async with db.session() as session, session.begin():
        order = Order(
            user_id=user_id,
            status="PLACED",
            total=sum(prices[upc] * quantity for upc, quantity in items),
            placed_at=utcnow(),
            idempotency_key=key,
        )
        session.add(order)
        await session.flush()
        await session.execute(
            insert(OrderItem),
            [
                {"order_id": order.id, "product_upc": u, "quantity": q, "unit_price": prices[u]}
                for u, q in items
            ],
        )
    return order


async def _items_of(db: Database, order: Order) -> list[tuple[str, int]]:
    statement = select(col(OrderItem.product_upc), col(OrderItem.quantity)).where(
        col(OrderItem.order_id) == order.id
    )
    async with db.session() as session:
        rows = (await session.execute(statement)).all()
    return sorted((upc, quantity) for upc, quantity in rows)


async def _replayed(
    db: Database, upstreams: Upstreams, order: Order, items: list[tuple[str, int]]
) -> Order:
    """``order`` again for a retry of the same request; a conflict for another request."""
    if await _items_of(db, order) != items:
        raise PlaceOrderError(
            "this idempotencyKey was already used for a different order",
            "IDEMPOTENCY_KEY_CONFLICT",
        )
    await upstreams.confirm_stock(order.idempotency_key)
    return order


async def place_order(db: Database, upstreams: Upstreams, request: OrderRequest) -> Order:
    """The caller's order for its idempotency key, placed now or found from an earlier call."""
    items = _validated(request)
    key = scoped_key(request.user_id, request.idempotency_key)
    existing = await find_by_key(db, key)
    if existing is not None:
        return await _replayed(db, upstreams, existing, items)
    prices = await upstreams.unit_prices([upc for upc, _ in items])
    unknown = [upc for upc, _ in items if upc not in prices]
    if unknown:
        raise PlaceOrderError(f"unknown products: {', '.join(unknown)}", "UNKNOWN_PRODUCT")
    await upstreams.reserve_stock(key, items)
    try:
        order = await _insert(db, key, request.user_id, items, prices)
    except IntegrityError:
        winner = await find_by_key(db, key)
        if winner is not None:
            return await _replayed(db, upstreams, winner, items)
        failure: Exception = PlaceOrderError(
            "the order could not be stored", "INTERNAL_SERVER_ERROR"
        )
    except Exception as error:
        _log.error("order.insert_failed", key=key, error=repr(error))
        failure = PlaceOrderError("the order could not be stored", "INTERNAL_SERVER_ERROR")
        failure.__cause__ = error
    else:
        await upstreams.confirm_stock(key)
        return order
    await upstreams.release_stock(key)
    raise failure


async def confirm_recent(db: Database, upstreams: Upstreams, since: datetime) -> int:
    """Confirm the reservations of orders placed since ``since`` (start-up reconciliation after a
    crash between insert and confirm); returns how many were confirmed."""
    statement = select(col(Order.idempotency_key)).where(col(Order.placed_at) >= since)
    async with db.session() as session:
        keys = list((await session.scalars(statement)).all())
    confirmed = 0
    for key in keys:
        try:
            await upstreams.confirm_stock(key)
            confirmed += 1
        except UpstreamError as error:
            _log.error("order.reconcile_stopped", key=key, code=error.code, error=str(error))
            break
    return confirmed
