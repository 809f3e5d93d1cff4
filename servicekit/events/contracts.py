"""The event contracts every service shares: pydantic models with a ``type`` and a ``version``.

Each message on the broker is one :class:`Event` serialised as JSON (the envelope: ``id``,
``type``, ``version``, ``occurred_at``, ``correlation_id``, then the payload's fields). A
consumer parses it with :func:`parse`, which refuses an unknown type or version instead of
guessing (a new version is a new contract, as in the CloudEvents ``type`` + ``dataschema``
convention). The saga's commands (``ReserveStock``, ``ChargePayment`` ...) are events addressed
to one service; their replies carry the same ``correlation_id`` (the order id).

A message of an older version can still be on the broker when its consumer is upgraded (the
relay published it, the consumer had not taken it yet). :data:`UPCASTERS` turn such an envelope
into the next version (the event-sourcing "upcaster" of Greg Young's *Versioning in an Event
Sourced System*, Axon's ``EventUpcaster``): :func:`upcast` applies them until no upcaster
matches, and :func:`parse` parses the result, so a consumer sees only current versions, with the
same event id (the inbox still deduplicates). ``ChargePayment`` v1 carried the card number:
:func:`charge_payment_v1_to_v2` replaces it with the payment method token (a Stripe test card's
test token, any other number the default method) and the number is dropped before anything
else sees the message: not parsed, logged, stored in an inbox or put in a dead letter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CONTRACTS",
    "DEFAULT_PAYMENT_METHOD",
    "TEST_CARD_TOKENS",
    "UPCASTERS",
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
    "charge_payment_v1_to_v2",
    "parse",
    "upcast",
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


DEFAULT_PAYMENT_METHOD = "pm_card_visa"
"""What a v1 ``ChargePayment`` with a card that is not a Stripe test card is charged to: the
orders service's default method (``ORDERS_DEFAULT_PAYMENT_METHOD``' default), Stripe's
always-approved test token. A real number cannot become a token without the provider (the
client's Stripe.js does that), and it must not travel further."""

TEST_CARD_TOKENS = {
    "4242424242424242": "pm_card_visa",
    "4000056655665556": "pm_card_visa_debit",
    "5555555555554444": "pm_card_mastercard",
    "5200828282828210": "pm_card_mastercard_debit",
    "5105105105105100": "pm_card_mastercard_prepaid",
    "378282246310005": "pm_card_amex",
    "6011111111111117": "pm_card_discover",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000009987": "pm_card_visa_chargeDeclinedLostCard",
    "4000000000009979": "pm_card_visa_chargeDeclinedStolenCard",
    "4000000000000069": "pm_card_chargeDeclinedExpiredCard",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000000119": "pm_card_chargeDeclinedProcessingError",
}
"""Stripe's public test card numbers and the test payment method token of each
(https://docs.stripe.com/testing#cards, #declined-payments)."""


def charge_payment_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """``ChargePayment`` v1 (``card``: the number) -> v2 (``payment_method``: a token)."""
    card = "".join(ch for ch in str(data.get("card") or "") if ch.isdigit())
    upgraded = {key: value for key, value in data.items() if key != "card"}
    upgraded["version"] = 2
    upgraded["payment_method"] = TEST_CARD_TOKENS.get(card, DEFAULT_PAYMENT_METHOD)
    return upgraded


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("ChargePayment", 1): charge_payment_v1_to_v2,
}
"""(type, version) -> the envelope of the next version."""


def _version(data: dict[str, Any]) -> int:
    try:
        return int(data.get("version") or 0)
    except (TypeError, ValueError):
        return 0


def upcast(data: Any) -> Any:
    """``data`` at its type's current version when upcasters lead there (else unchanged)."""
    while isinstance(data, dict):
        upcaster = UPCASTERS.get((str(data.get("type")), _version(data)))
        if upcaster is None:
            return data
        data = upcaster(data)
    return data


def parse(data: Any) -> Event:
    """The typed event for a decoded envelope (a dict), older versions upcast first."""
    data = upcast(data)
    if not isinstance(data, dict):
        raise UnknownEventError(f"an event is a JSON object, got {type(data).__name__}")
    key = (str(data.get("type")), _version(data))
    model = CONTRACTS.get(key)
    if model is None:
        raise UnknownEventError(f"no contract for event {key[0]!r} version {key[1]}")
    payload = {k: v for k, v in data.items() if k not in ("type", "version")}
    return model.model_validate(payload)
