"""The payment-provider interface and a deterministic demo provider.

:class:`PaymentProvider` is what the ledger charges through (a real one would wrap Stripe,
Adyen...). :class:`DemoProvider` answers the way Stripe's test mode does for its documented test
cards (https://docs.stripe.com/testing): ``4242 4242 4242 4242`` succeeds, ``4000 0000 0000 0002``
is declined ``card_declined``, ``4000 0000 0000 9995`` ``insufficient_funds`` ... (the table
:data:`TEST_CARD_DECLINES`); any other number passing the Luhn check succeeds, one failing it is
declined ``incorrect_number``. With ``decline_above_cents`` set, a larger amount is declined
``amount_too_large`` (``PAYMENTS_DECLINE_ABOVE_CENTS``), so a failing saga can be shown with any
card. Like a real provider's idempotency keys, the same key always answers the same reference, so
a charge retried after a crash cannot take the money twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "TEST_CARD_DECLINES",
    "Card",
    "ChargeRequest",
    "DemoProvider",
    "InvalidCardError",
    "PaymentProvider",
    "ProviderResult",
    "parse_card",
]

TEST_CARD_DECLINES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000009987": "lost_card",
    "4000000000009979": "stolen_card",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "processing_error",
}
"""Stripe's test cards that are declined, with their ``decline_code``."""

_SEPARATORS = re.compile(r"[ -]")
_DIGITS = re.compile(r"^[0-9]{12,19}$")  # ISO/IEC 7812 primary account numbers


class InvalidCardError(ValueError):
    """Not a card number at all (not 12 to 19 digits): refused before any payment exists."""


@dataclass(frozen=True)
class Card:
    """A card number held in memory for one charge; only :attr:`brand` and :attr:`last4` are
    ever stored or shown. ``repr`` hides the number (it must not reach a log)."""

    number: str

    def __repr__(self) -> str:
        return f"Card({self.brand} **** {self.last4})"

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        """The scheme from the issuer identification number (the first digits)."""
        number = self.number
        if number.startswith("4"):
            return "visa"
        if number[:2] in {"34", "37"}:
            return "amex"
        if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
            return "mastercard"
        if number.startswith(("6011", "65")) or 644 <= int(number[:3]) <= 649:
            return "discover"
        return "unknown"

    @property
    def luhn_valid(self) -> bool:
        total = 0
        for index, char in enumerate(reversed(self.number)):
            digit = int(char)
            if index % 2 == 1:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        return total % 10 == 0


def parse_card(text: str) -> Card:
    """``"4242 4242 4242 4242"`` (spaces and dashes allowed) as a :class:`Card`."""
    number = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(number):
        raise InvalidCardError("a card number is 12 to 19 digits")
    return Card(number)


@dataclass(frozen=True)
class ChargeRequest:
    idempotency_key: str
    amount: int
    currency: str
    card: Card


@dataclass(frozen=True)
class ProviderResult:
    """``approved`` or declined with a ``failure_reason`` (the provider's decline code)."""

    approved: bool
    reference: str
    failure_reason: str | None = None


class PaymentProvider(Protocol):
    """What the ledger needs from a payment provider; both calls are idempotent by key."""

    @property
    def name(self) -> str: ...

    async def charge(self, request: ChargeRequest) -> ProviderResult: ...

    async def refund(
        self, charge_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> ProviderResult: ...


def _reference(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class DemoProvider:
    """Deterministic: the answer depends on the card, the amount and the key only."""

    def __init__(self, decline_above_cents: int | None = None) -> None:
        self.decline_above_cents = decline_above_cents

    @property
    def name(self) -> str:
        return "demo"

    async def charge(self, request: ChargeRequest) -> ProviderResult:
        reference = _reference("demo_ch", request.idempotency_key)
        card = request.card
        reason = TEST_CARD_DECLINES.get(card.number)
        if reason is None and not card.luhn_valid:
            reason = "incorrect_number"
        limit = self.decline_above_cents
        if reason is None and limit is not None and request.amount > limit:
            reason = "amount_too_large"
        return ProviderResult(approved=reason is None, reference=reference, failure_reason=reason)

    async def refund(
        self, charge_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> ProviderResult:
        return ProviderResult(approved=True, reference=_reference("demo_re", idempotency_key))
