"""The inventory store: stock per product and idempotent reservations (SQLModel; no GraphQL).

A reservation is keyed by the caller's idempotency key (unique), so a retried or concurrent
``reserveStock`` with the same key changes stock at most once. It is ``RESERVED`` until orders
confirms it (``CONFIRMED``: an order holds the stock) or it is released (``RELEASED``: by orders,
or by the sweeper once ``updated_at`` is older than the reservation time-to-live).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from servicekit.events.store import EVENT_TABLES

__all__ = [
    "CONFIRMED",
    "RELEASED",
    "RESERVED",
    "TABLES",
    "Stock",
    "StockReservation",
    "StockReservationItem",
]

RESERVED = "RESERVED"
RELEASED = "RELEASED"
CONFIRMED = "CONFIRMED"


class Stock(SQLModel, table=True):
    __tablename__ = "stock"

    upc: str = Field(primary_key=True)
    quantity: int


class StockReservation(SQLModel, table=True):
    __tablename__ = "stock_reservations"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True)
    status: str
    created_at: datetime
    updated_at: datetime


class StockReservationItem(SQLModel, table=True):
    __tablename__ = "stock_reservation_items"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: int = Field(foreign_key="stock_reservations.id", index=True)
    upc: str
    quantity: int


TABLES: list[type[SQLModel]] = [Stock, StockReservation, StockReservationItem, *EVENT_TABLES]
