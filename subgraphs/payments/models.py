"""The payments store: one payment per order (SQLModel; no GraphQL here). Amounts are in cents.

``order_id`` is unique: a charge is idempotent by order, so a retried or concurrent charge for
the same order can never create a second payment, it finds the first one instead. A payment
names its payment method token (``payment_method``, ``pm_...``) and shows the card's brand and
last four digits (``method_brand``, ``method_last4``), never the number (PCI DSS 3.4: a primary
account number must not be stored readable; we do not store it at all). ``payment_methods`` is
the demo provider's vault (subgraphs/payments/provider.py): token, brand, last4 and the outcome
decided when the method was created.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from servicekit.events.store import EVENT_TABLES

__all__ = [
    "CHARGED",
    "DECLINED",
    "PAYMENT_STATUSES",
    "PENDING",
    "REFUNDED",
    "TABLES",
    "Payment",
    "StoredPaymentMethod",
]

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
    payment_method: str = ""
    """The token charged (empty for seeded payments and refund markers)."""
    provider: str
    provider_reference: str | None = None
    failure_reason: str | None = None
    refund_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class StoredPaymentMethod(SQLModel, table=True):
    __tablename__ = "payment_methods"

    token: str = Field(primary_key=True)
    brand: str
    last4: str
    decline: str | None = None
    created_at: datetime


TABLES: list[type[SQLModel]] = [Payment, StoredPaymentMethod, *EVENT_TABLES]
