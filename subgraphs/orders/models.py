"""The orders store (SQLModel; no GraphQL here).

``idempotency_key`` is unique: a retried or concurrent duplicate ``placeOrder`` can never insert a
second order, it finds the first one instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = ["ORDER_STATUSES", "TABLES", "Order", "OrderItem"]

ORDER_STATUSES = ("PLACED", "SHIPPED", "DELIVERED", "CANCELLED")


class Order(SQLModel, table=True):
    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    status: str
    total: int
    placed_at: datetime
    idempotency_key: str = Field(unique=True, index=True)


class OrderItem(SQLModel, table=True):
    __tablename__ = "order_items"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_upc: str
    quantity: int
    unit_price: int


TABLES: list[type[SQLModel]] = [Order, OrderItem]
