"""The event contracts every service shares: pydantic models with a ``type`` and a ``version``.

Each message on the broker is one :class:`Event` serialised as JSON (the envelope: ``id``,
``type``, ``version``, ``occurred_at``, ``correlation_id``, then the payload's fields). A
consumer parses it with :func:`parse`, which refuses an unknown type or version instead of
guessing (a new version is a new contract, as in the CloudEvents ``type`` + ``dataschema``
convention). The saga's commands (``ReserveStock``, ``ChargePayment`` ...) are events addressed
to one service; their replies carry the same ``correlation_id`` (the order id).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CONTRACTS",
    "ChargePayment",
    "ConfirmStock",
    "Event",
    "Line",
    "OrderStatusChanged",
    "PaymentCharged",
    "PaymentDeclined",
    "PaymentRefunded",
    "PriceChanged",
    "RefundPayment",
    "ReleaseStock",
    "ReserveStock",
    "StockChanged",
    "StockReservationFailed",
    "StockReserved",
    "UnknownEventError",
    "parse",
]


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class Event(BaseModel):
    """The envelope; subclasses add the payload and fix ``TYPE`` / ``VERSION``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    PRODUCER: ClassVar[str] = ""
    """The service that publishes it (AsyncAPI ``send`` side)."""

    id: str = Field(default_factory=_new_id, description="Unique per event; the inbox key.")
    type: str = ""
    version: int = 0
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: str = Field(default="", description="The saga it belongs to (order id).")

    def model_post_init(self, _context: Any) -> None:
        object.__setattr__(self, "type", self.TYPE)
        object.__setattr__(self, "version", self.VERSION)


class Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    upc: str
    quantity: int


class ReserveStock(Event):
    """orders -> inventory: reserve these lines under ``reservation_key``."""

    TYPE = "ReserveStock"
    PRODUCER = "orders"
    order_id: int
    reservation_key: str
    lines: list[Line]


class StockReserved(Event):
    TYPE = "StockReserved"
    PRODUCER = "inventory"
    order_id: int
    reservation_key: str


class StockReservationFailed(Event):
    TYPE = "StockReservationFailed"
    PRODUCER = "inventory"
    order_id: int
    reservation_key: str
    reason: str
    upcs: list[str] = []


class ReleaseStock(Event):
    """orders -> inventory: compensation; releasing an unknown or released key is a no-op."""

    TYPE = "ReleaseStock"
    PRODUCER = "orders"
    order_id: int
    reservation_key: str


class ConfirmStock(Event):
    """orders -> inventory: the order is confirmed, the reservation no longer expires."""

    TYPE = "ConfirmStock"
    PRODUCER = "orders"
    order_id: int
    reservation_key: str


class StockChanged(Event):
    TYPE = "StockChanged"
    PRODUCER = "inventory"
    upc: str
    quantity: int


class ChargePayment(Event):
    """orders -> payments: charge ``amount`` once per order (payments is idempotent by order) to
    ``payment_method``, a payment method token (``pm_card_visa``...), never a card number.
    Version 2: version 1 carried the card number itself."""

    TYPE = "ChargePayment"
    VERSION = 2
    PRODUCER = "orders"
    order_id: int
    buyer_id: int
    amount: int
    currency: str = "USD"
    payment_method: str = Field(pattern=r"^pm_[A-Za-z0-9_]{1,64}$")


class PaymentCharged(Event):
    TYPE = "PaymentCharged"
    PRODUCER = "payments"
    order_id: int
    payment_id: str
    amount: int


class PaymentDeclined(Event):
    TYPE = "PaymentDeclined"
    PRODUCER = "payments"
    order_id: int
    reason: str


class RefundPayment(Event):
    """orders -> payments: compensation; refunding an order with no charge is a no-op."""

    TYPE = "RefundPayment"
    PRODUCER = "orders"
    order_id: int
    reason: str


class PaymentRefunded(Event):
    TYPE = "PaymentRefunded"
    PRODUCER = "payments"
    order_id: int
    amount: int


class OrderStatusChanged(Event):
    TYPE = "OrderStatusChanged"
    PRODUCER = "orders"
    order_id: int
    buyer_id: int
    status: str
    reason: str | None = None
    upcs: list[str] = []


class PriceChanged(Event):
    TYPE = "PriceChanged"
    PRODUCER = "products"
    upc: str
    price: int


CONTRACTS: dict[tuple[str, int], type[Event]] = {
    (model.TYPE, model.VERSION): model
    for model in (
        ReserveStock,
        StockReserved,
        StockReservationFailed,
        ReleaseStock,
        ConfirmStock,
        StockChanged,
        ChargePayment,
        PaymentCharged,
        PaymentDeclined,
        RefundPayment,
        PaymentRefunded,
        OrderStatusChanged,
        PriceChanged,
    )
}


class UnknownEventError(ValueError):
    """A message whose (type, version) no contract describes."""


def parse(data: Any) -> Event:
    """The typed event for a decoded envelope (a dict)."""
    if not isinstance(data, dict):
        raise UnknownEventError(f"an event is a JSON object, got {type(data).__name__}")
    key = (str(data.get("type")), int(data.get("version") or 0))
    model = CONTRACTS.get(key)
    if model is None:
        raise UnknownEventError(f"no contract for event {key[0]!r} version {key[1]}")
    payload = {k: v for k, v in data.items() if k not in ("type", "version")}
    return model.model_validate(payload)
