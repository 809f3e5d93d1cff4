"""The orders store (SQLModel; no GraphQL here).

``idempotency_key`` is unique: a retried or concurrent duplicate ``placeOrder`` can never insert a
second order, it finds the first one instead. An order placed through the saga
(subgraphs/orders/saga.py) is ``PENDING`` with a ``saga_step`` and its deadline until it is
``CONFIRMED`` or ``CANCELLED`` (with ``reason``); every change is a row of
``order_status_history``. The event tables (outbox, inbox, dead letters) live in this store too.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from servicekit.events.store import EVENT_TABLES

__all__ = [
    "ORDER_STATUSES",
    "STATUSES",
    "TABLES",
    "Order",
    "OrderItem",
    "OrderStatusEntry",
]

ORDER_STATUSES = ("PLACED", "SHIPPED", "DELIVERED", "CANCELLED")
"""The statuses of generated demo orders (subgraphs/seeding.py)."""
STATUSES = ("PENDING", "CONFIRMED", *ORDER_STATUSES)


class Order(SQLModel, table=True):
    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    status: str
    total: int
    placed_at: datetime
    idempotency_key: str = Field(unique=True, index=True)
    saga_step: str | None = Field(default=None, index=True)
    """RESERVING_STOCK or CHARGING_PAYMENT while PENDING; None otherwise."""
    step_deadline: datetime | None = None
    resend_at: datetime | None = None
    """When the current step's command is sent again if no reply came."""
    step_resends: int = 0
    """Resends of the current step's command (each waits twice as long as the one before)."""
    reason: str | None = None
    payment_method: str = ""
    """The payment method token to charge (``pm_...``; empty: the configured default). Never a
    card number: placeOrder refuses anything that is not a token."""


class OrderItem(SQLModel, table=True):
    __tablename__ = "order_items"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_upc: str
    quantity: int
    unit_price: int


class OrderStatusEntry(SQLModel, table=True):
    __tablename__ = "order_status_history"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    status: str
    step: str | None = None
    reason: str | None = None
    at: datetime


TABLES: list[type[SQLModel]] = [Order, OrderItem, OrderStatusEntry, *EVENT_TABLES]
