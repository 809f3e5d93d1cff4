"""``placeOrder``: price, reserve, insert, exactly once per idempotency key (no GraphQL here).

1. An order with this key exists: answer it (a retry).
2. Ask products for unit prices; unknown UPCs are a client error.
3. Reserve stock in inventory under the same key (idempotent there too).
4. Insert the order. A concurrent duplicate loses on the unique key and answers the winner's
   order (the reservation is shared, so it is kept); any other failure releases the stock and
   answers INTERNAL_SERVER_ERROR (the store's error text stays in the log, not the response).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from servicekit.logging import get_logger
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.orders.models import Order, OrderItem
from subgraphs.orders.upstream import Upstreams

__all__ = ["OrderRequest", "PlaceOrderError", "find_by_key", "place_order"]

MAX_ITEMS = 100
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


async def find_by_key(db: Database, key: str) -> Order | None:
    async with db.session() as session:
        return await session.scalar(select(Order).where(col(Order.idempotency_key) == key))


def _validated(request: OrderRequest) -> list[tuple[str, int]]:
    if not request.idempotency_key:
        raise PlaceOrderError("idempotencyKey must not be empty", "BAD_USER_INPUT")
    if not request.items or len(request.items) > MAX_ITEMS:
        raise PlaceOrderError(f"an order has 1 to {MAX_ITEMS} items", "BAD_USER_INPUT")
    totals: Counter[str] = Counter()
    for upc, quantity in request.items:
        if quantity <= 0:
            raise PlaceOrderError(f"quantity for {upc} must be positive", "BAD_USER_INPUT")
        totals[upc] += quantity
    return sorted(totals.items())


async def _insert(
    db: Database, request: OrderRequest, items: list[tuple[str, int]], prices: dict[str, int]
) -> Order:
    async with db.session() as session, session.begin():
        order = Order(
            user_id=request.user_id,
            status="PLACED",
            total=sum(prices[upc] * quantity for upc, quantity in items),
            placed_at=utcnow(),
            idempotency_key=request.idempotency_key,
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


async def place_order(db: Database, upstreams: Upstreams, request: OrderRequest) -> Order:
    """The order for ``request.idempotency_key``, placed now or found from an earlier call."""
    existing = await find_by_key(db, request.idempotency_key)
    if existing is not None:
        return existing
    items = _validated(request)
    prices = await upstreams.unit_prices([upc for upc, _ in items])
    unknown = [upc for upc, _ in items if upc not in prices]
    if unknown:
        raise PlaceOrderError(f"unknown products: {', '.join(unknown)}", "UNKNOWN_PRODUCT")
    await upstreams.reserve_stock(request.idempotency_key, items)
    try:
        return await _insert(db, request, items, prices)
    except IntegrityError:
        winner = await find_by_key(db, request.idempotency_key)
        if winner is not None:
            return winner
        failure: Exception = PlaceOrderError(
            "the order could not be stored", "INTERNAL_SERVER_ERROR"
        )
    except Exception as error:
        _log.error("order.insert_failed", key=request.idempotency_key, error=repr(error))
        failure = PlaceOrderError("the order could not be stored", "INTERNAL_SERVER_ERROR")
        failure.__cause__ = error
    await upstreams.release_stock(request.idempotency_key)
    raise failure
