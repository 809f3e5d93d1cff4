"""``placeOrder``: price, then store the order ``PENDING`` with the saga's first command, exactly
once per (user, idempotency key) (no GraphQL here).

Keys are scoped per user (the IETF Idempotency-Key draft, section 2: a key is unique per client),
stored as ``<user id>:<key>``; inventory's reservation uses the same scoped key.

1. An order with this key exists: the same request (items) answers it as it is now (a retry);
   a different one is ``IDEMPOTENCY_KEY_CONFLICT`` (the draft's 409 semantics: a key reused for
   another request is an error, never a silent replay).
2. Ask products for unit prices; unknown UPCs are a client error.
3. Insert the order ``PENDING``, its items, its first status entry and the ``ReserveStock``
   command (outbox) in ONE transaction, and answer at once: the saga (subgraphs/orders/saga.py)
   reserves stock, charges and confirms or cancels asynchronously. A concurrent duplicate loses
   on the unique key and answers the winner's order. A process that dies after the commit loses
   nothing (the relay publishes the outbox on its next start); one that dies before it leaves
   nothing at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from servicekit.logging import get_logger
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.common.limits import MAX_IDEMPOTENCY_KEY, MAX_IDS, MAX_PAYMENT_METHOD, MAX_UPC
from subgraphs.orders.models import Order, OrderItem
from subgraphs.orders.saga import Saga
from subgraphs.orders.upstream import Upstreams

__all__ = [
    "PAYMENT_METHOD_TOKEN",
    "OrderRequest",
    "PlaceOrderError",
    "find_by_key",
    "place_order",
    "scoped_key",
]

PAYMENT_METHOD_TOKEN = re.compile(r"^pm_[A-Za-z0-9_]{1,64}$")
"""A payment method token (Stripe's ``pm_`` ids); anything else, a card number first of all, is
refused before it could be stored."""

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
    payment_method: str = ""
    """The payment method token (``pm_card_visa``, or one the payments subgraph's
    ``createPaymentMethod`` made); empty: the configured default."""


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
    if len(request.payment_method) > MAX_PAYMENT_METHOD:
        raise PlaceOrderError(
            f"paymentMethod is limited to {MAX_PAYMENT_METHOD} characters",
            "BAD_USER_INPUT",
            argument="paymentMethod",
            maximum=MAX_PAYMENT_METHOD,
        )
    if request.payment_method and not PAYMENT_METHOD_TOKEN.fullmatch(request.payment_method):
        raise PlaceOrderError(
            "paymentMethod is a payment method token (pm_...), never a card number",
            "BAD_USER_INPUT",
            argument="paymentMethod",
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
    db: Database,
    saga: Saga,
    request: OrderRequest,
    *,
    key: str,
    items: list[tuple[str, int]],
    prices: dict[str, int],
) -> Order:
    async with db.session() as session, session.begin():
        order = Order(
            user_id=request.user_id,
            status="PENDING",
            total=sum(prices[upc] * quantity for upc, quantity in items),
            placed_at=utcnow(),
            idempotency_key=key,
            payment_method=request.payment_method,
        )
        saga.prepare(order)
        session.add(order)
        await session.flush()
        await session.execute(
            insert(OrderItem),
            [
                {"order_id": order.id, "product_upc": u, "quantity": q, "unit_price": prices[u]}
                for u, q in items
            ],
        )
        saga.begin(session, order, items)
    saga.wake()
    return order


async def _items_of(db: Database, order: Order) -> list[tuple[str, int]]:
    statement = select(col(OrderItem.product_upc), col(OrderItem.quantity)).where(
        col(OrderItem.order_id) == order.id
    )
    async with db.session() as session:
        rows = (await session.execute(statement)).all()
    return sorted((upc, quantity) for upc, quantity in rows)


async def _replayed(db: Database, order: Order, items: list[tuple[str, int]]) -> Order:
    """``order`` as it is now for a retry of the same request; a conflict for another one."""
    if await _items_of(db, order) != items:
        raise PlaceOrderError(
            "this idempotencyKey was already used for a different order",
            "IDEMPOTENCY_KEY_CONFLICT",
        )
    return order


async def place_order(
    db: Database, upstreams: Upstreams, saga: Saga, request: OrderRequest
) -> Order:
    """The caller's order for its idempotency key, placed now (``PENDING``) or found from an
    earlier call (in whatever state its saga reached)."""
    items = _validated(request)
    key = scoped_key(request.user_id, request.idempotency_key)
    existing = await find_by_key(db, key)
    if existing is not None:
        return await _replayed(db, existing, items)
    prices = await upstreams.unit_prices([upc for upc, _ in items])
    unknown = [upc for upc, _ in items if upc not in prices]
    if unknown:
        raise PlaceOrderError(f"unknown products: {', '.join(unknown)}", "UNKNOWN_PRODUCT")
    try:
        return await _insert(db, saga, request, key=key, items=items, prices=prices)
    except IntegrityError as error:
        winner = await find_by_key(db, key)
        if winner is not None:
            return await _replayed(db, winner, items)
        raise PlaceOrderError("the order could not be stored", "INTERNAL_SERVER_ERROR") from error
    except Exception as error:
        _log.error("order.insert_failed", key=key, error=repr(error))
        raise PlaceOrderError("the order could not be stored", "INTERNAL_SERVER_ERROR") from error
