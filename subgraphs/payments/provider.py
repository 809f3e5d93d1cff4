"""The payment-provider interface and a deterministic demo provider.

Charges name a *payment method* token, never a card number, as with Stripe's PaymentMethods
(https://docs.stripe.com/payments/payment-methods): the client (Stripe.js in a shop; here the
payments subgraph's ``createPaymentMethod``) turns a card into a ``pm_...`` token at the
provider, and the shop stores and sends only the token. Stripe's test mode has fixed test tokens
(https://docs.stripe.com/testing): ``pm_card_visa`` succeeds, ``pm_card_visa_chargeDeclined`` (and
``pm_card_chargeDeclined``) is declined ``card_declined``,
``pm_card_visa_chargeDeclinedInsufficientFunds`` ``insufficient_funds`` ... (the table
:data:`TEST_PAYMENT_METHODS`, each the token of one of Stripe's test card numbers).

:class:`PaymentProvider` is what the ledger charges through (a real one would wrap Stripe,
Adyen...). :class:`DemoProvider` answers the way Stripe's test mode does for its documented test
cards: ``4242 4242 4242 4242`` succeeds, ``4000 0000 0000 0002`` is declined ``card_declined``,
``4000 0000 0000 9995`` ``insufficient_funds`` ... (the table :data:`TEST_CARD_DECLINES`); any
other number passing the Luhn check succeeds, one failing it is declined ``incorrect_number``.
What a card will do is decided when its payment method is created and kept in the provider's
vault (:class:`Vault`: brand, last four digits and that outcome, never the number). With
``decline_above_cents`` set, a larger amount is declined ``amount_too_large``
(``PAYMENTS_DECLINE_ABOVE_CENTS``), so a failing saga can be shown with any card. Like a real
provider's idempotency keys, the same key always answers the same reference, so a charge retried
after a crash cannot take the money twice.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "PAYMENT_METHOD_TOKEN",
    "TEST_CARD_DECLINES",
    "TEST_PAYMENT_METHODS",
    "Card",
    "ChargeRequest",
    "DemoProvider",
    "InvalidCardError",
    "MethodDetails",
    "PaymentProvider",
    "ProviderResult",
    "Vault",
    "parse_card",
]

PAYMENT_METHOD_TOKEN = re.compile(r"^pm_[A-Za-z0-9_]{1,64}$")
"""What a payment method token looks like (Stripe's ``pm_`` prefix); a card number never does."""

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
class MethodDetails:
    """What the vault keeps of a payment method: shown as brand + last4; ``decline`` is the
    demo provider's decided outcome (a decline code, or None to approve)."""

    brand: str
    last4: str
    decline: str | None = None


def describe(card: Card) -> MethodDetails:
    """The demo provider's decision for ``card`` (Stripe's test table, else the Luhn check)."""
    reason = TEST_CARD_DECLINES.get(card.number)
    if reason is None and not card.luhn_valid:
        reason = "incorrect_number"
    return MethodDetails(card.brand, card.last4, reason)


_TEST_METHOD_CARDS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_mastercard_debit": "5200828282828210",
    "pm_card_mastercard_prepaid": "5105105105105100",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_visa_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
}
TEST_PAYMENT_METHODS: dict[str, MethodDetails] = {
    token: describe(Card(number)) for token, number in _TEST_METHOD_CARDS.items()
}
"""Stripe's test payment methods (the public test card each stands for, decided as above)."""


class Vault(Protocol):
    """Where a provider keeps the payment methods it created (the payments store's
    ``payment_methods`` table for the demo provider; Stripe's own vault for Stripe)."""

    async def save(self, token: str, details: MethodDetails) -> None: ...

    async def load(self, token: str) -> MethodDetails | None: ...


@dataclass(frozen=True)
class ChargeRequest:
    idempotency_key: str
    amount: int
    currency: str
    payment_method: str


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

    async def create_payment_method(self, card: Card) -> str:
        """A new token for ``card`` (the number goes no further than the provider)."""
        ...

    async def payment_method(self, token: str) -> MethodDetails | None:
        """The method behind ``token``, or None for a token this provider never issued."""
        ...

    async def charge(self, request: ChargeRequest) -> ProviderResult: ...

    async def refund(
        self, charge_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> ProviderResult: ...


def _reference(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class DemoProvider:
    """Deterministic: the answer depends on the payment method, the amount and the key only.
    Without a ``vault`` only the test tokens exist."""

    def __init__(self, decline_above_cents: int | None = None, vault: Vault | None = None) -> None:
        self.decline_above_cents = decline_above_cents
        self.vault = vault

    @property
    def name(self) -> str:
        return "demo"

    async def create_payment_method(self, card: Card) -> str:
        if self.vault is None:
            raise RuntimeError("this demo provider has no vault to keep payment methods in")
        token = f"pm_{secrets.token_hex(12)}"  # random: nothing of the number is in it
        await self.vault.save(token, describe(card))
        return token

    async def payment_method(self, token: str) -> MethodDetails | None:
        if token in TEST_PAYMENT_METHODS:
            return TEST_PAYMENT_METHODS[token]
        if self.vault is None or not PAYMENT_METHOD_TOKEN.fullmatch(token):
            return None
        return await self.vault.load(token)

    async def charge(self, request: ChargeRequest) -> ProviderResult:
        reference = _reference("demo_ch", request.idempotency_key)
        method = await self.payment_method(request.payment_method)
        reason = "no_such_payment_method" if method is None else method.decline
        limit = self.decline_above_cents
        if reason is None and limit is not None and request.amount > limit:
            reason = "amount_too_large"
        return ProviderResult(approved=reason is None, reference=reference, failure_reason=reason)

    async def refund(
        self, charge_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> ProviderResult:
        return ProviderResult(approved=True, reference=_reference("demo_re", idempotency_key))
