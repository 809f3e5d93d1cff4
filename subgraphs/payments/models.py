"""The payments store: one payment per order (SQLModel; no GraphQL here). Amounts are in cents.

``order_id`` is unique: a charge is idempotent by order, so a retried or concurrent charge for
the same order can never create a second payment, it finds the first one instead. Only the
card's brand and last four digits are kept (``method_brand``, ``method_last4``), never the number
(PCI DSS 3.4: a primary account number must not be stored readable; we do not store it at all).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from servicekit.events.store import EVENT_TABLES

__all__ = ["CHARGED", "DECLINED", "PAYMENT_STATUSES", "PENDING", "REFUNDED", "TABLES", "Payment"]

PENDING = "PENDING"
CHARGED = "CHARGED"
DECLINED = "DECLINED"
REFUNDED = "REFUNDED"
PAYMENT_STATUSES = (PENDING, CHARGED, DECLINED, REFUNDED)


class Payment(SQLModel, table=True):
    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(unique=True, index=True)
    buyer_id: int = Field(index=True)
    amount: int
    currency: str
    status: str
    method_brand: str
    method_last4: str
    provider: str
    provider_reference: str | None = None
    failure_reason: str | None = None
    refund_reason: str | None = None
    created_at: datetime
    updated_at: datetime


TABLES: list[type[SQLModel]] = [Payment, *EVENT_TABLES]
