"""Charge and refund orders, idempotent by order id (no GraphQL, no transport here: the GraphQL
mutations and the saga's event consumers both call these functions).

**charge** writes first, like inventory's reservations: it inserts the payment ``PENDING``
(``order_id`` is unique, so a concurrent duplicate waits on the insert and then finds the first
payment), asks the provider under a key derived from the order id, and settles the payment
``CHARGED`` or ``DECLINED`` (an update guarded by ``status = 'PENDING'``: one outcome is recorded,
once). The same order again answers the first payment; with another amount, currency, buyer or
card it is a :class:`PaymentConflictError` (Stripe's idempotency keys: a key reused with other
parameters is an error, never a silent replay). A payment left ``PENDING`` by a process that died
is settled by the next charge of that order (the provider answers the same key the same way).

**refund** returns a ``CHARGED`` payment's money (``REFUNDED``, once). Anything else is a no-op
that says so (:class:`RefundOutcome`): already refunded, never charged (declined), no payment.
Compensation may overtake the charge it compensates (the saga timed out while the charge message
waited in the broker), so a refund of an order without a payment leaves a *void* marker under the
order's unique id, and a charge arriving later is declined ``order_cancelled`` without asking
the provider; a refund of a ``PENDING`` payment marks it ``REFUNDED`` at once, and the charge in
flight, finding it so, gives the money back if the provider had taken it (or records the decline
if it had not).

**create_payment_method** turns a card number into a payment method token at the provider (what
Stripe.js does in a shop's page): the number goes no further, charges name the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from servicekit.logging import get_logger
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.common.limits import (
    MAX_AMOUNT_CENTS,
    MAX_CARD_NUMBER,
    MAX_PAYMENT_METHOD,
    MAX_REASON,
)
from subgraphs.payments.models import CHARGED, DECLINED, PENDING, REFUNDED, Payment
from subgraphs.payments.provider import (
    PAYMENT_METHOD_TOKEN,
    Card,
    ChargeRequest,
    DemoProvider,
    InvalidCardError,
    MethodDetails,
    PaymentProvider,
    ProviderResult,
    parse_card,
)
from subgraphs.payments.settings import Settings
from subgraphs.payments.vault import StoreVault

__all__ = [
    "ORDER_CANCELLED",
    "VOID_PROVIDER",
    "InvalidPaymentError",
    "PaymentConflictError",
    "RefundOutcome",
    "RefundResult",
    "charge",
    "create_payment_method",
    "default_provider",
    "find",
    "refund",
]

ORDER_CANCELLED = "order_cancelled"
"""The failure reason of a charge that arrived after its order's refund (compensation)."""
VOID_PROVIDER = "void"
"""``Payment.provider`` of the marker a refund leaves for an order without a payment."""
_CURRENCY = re.compile(r"^[A-Z]{3}$")  # ISO 4217 alphabetic codes
_log = get_logger("subgraphs.payments")


class InvalidPaymentError(ValueError):
    """The request itself is wrong; ``argument`` names the bad input, ``maximum`` its limit."""

    def __init__(self, message: str, argument: str, maximum: int | None = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.maximum = maximum


class PaymentConflictError(Exception):
    """The order already has a payment of another amount, currency, buyer or payment method."""


class RefundOutcome(Enum):
    REFUNDED = "REFUNDED"
    """The charged money was returned by this call."""
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    """An earlier refund returned it; nothing changed."""
    NOT_CHARGED = "NOT_CHARGED"
    """The payment was declined: no money to return; nothing changed."""
    NO_PAYMENT = "NO_PAYMENT"
    """The order has no payment; a charge arriving later is declined ``order_cancelled``."""


@dataclass(frozen=True)
class RefundResult:
    outcome: RefundOutcome
    payment: Payment | None
    """The order's payment after the call (``None`` for :attr:`RefundOutcome.NO_PAYMENT`)."""


def default_provider(db: Database) -> PaymentProvider:
    """The demo provider, configured from ``PAYMENTS_*`` (decline above an amount), its vault
    in ``db``."""
    return DemoProvider(Settings().decline_above_cents, StoreVault(db))


def _charge_key(order_id: int) -> str:
    return f"order-{order_id}-charge"


def _refund_key(order_id: int) -> str:
    return f"order-{order_id}-refund"


def _card(card: str | Card) -> Card:
    if isinstance(card, Card):
        return card
    if len(card) > MAX_CARD_NUMBER:
        raise InvalidPaymentError(
            f"card is limited to {MAX_CARD_NUMBER} characters", "card", MAX_CARD_NUMBER
        )
    try:
        return parse_card(card)
    except InvalidCardError as error:
        raise InvalidPaymentError(str(error), "card") from error


async def _method(provider: PaymentProvider, token: str) -> MethodDetails:
    if len(token) > MAX_PAYMENT_METHOD:
        raise InvalidPaymentError(
            f"paymentMethod is limited to {MAX_PAYMENT_METHOD} characters",
            "paymentMethod",
            MAX_PAYMENT_METHOD,
        )
    if not PAYMENT_METHOD_TOKEN.fullmatch(token):
        raise InvalidPaymentError(
            "paymentMethod is a payment method token (pm_...), never a card number",
            "paymentMethod",
        )
    details = await provider.payment_method(token)
    if details is None:
        raise InvalidPaymentError(f"no such payment method: {token}", "paymentMethod")
    return details


async def create_payment_method(
    db: Database, card: str, *, provider: PaymentProvider | None = None
) -> tuple[str, MethodDetails]:
    """A new payment method token for ``card`` and what it shows (brand, last4)."""
    parsed = _card(card)
    provider = provider or default_provider(db)
    token = await provider.create_payment_method(parsed)
    return token, await _method(provider, token)


def _check_charge(order_id: int, buyer_id: int, amount: int, currency: str) -> str:
    if order_id <= 0:
        raise InvalidPaymentError("orderId must be a positive id", "orderId")
    if buyer_id <= 0:
        raise InvalidPaymentError("buyerId must be a positive id", "buyerId")
    if not 0 < amount <= MAX_AMOUNT_CENTS:
        raise InvalidPaymentError(
            f"amount must be 1 to {MAX_AMOUNT_CENTS} cents", "amount", MAX_AMOUNT_CENTS
        )
    code = currency.upper()
    if not _CURRENCY.fullmatch(code):
        raise InvalidPaymentError("currency must be an ISO 4217 code such as USD", "currency", 3)
    return code


async def find(db: Database, order_id: int) -> Payment | None:
    """The order's payment (a void marker included), or ``None``."""
    async with db.session() as session:
        row: Payment | None = await session.scalar(
            select(Payment).where(col(Payment.order_id) == order_id)
        )
        return row


async def _insert(db: Database, values: dict[str, object]) -> bool:
    """True when this call inserted the order's row (False: the order has one already)."""
    try:
        async with db.session() as session, session.begin():
            await session.execute(insert(Payment).values(**values))
    except IntegrityError:
        return False
    return True


async def _update(db: Database, order_id: int, where: dict[str, object], **values: object) -> bool:
    """Set ``values`` on the order's row when its columns equal ``where``; True when it did."""
    statement = update(Payment).where(col(Payment.order_id) == order_id)
    for name, value in where.items():
        statement = statement.where(getattr(Payment, name) == value)
    async with db.session() as session, session.begin():
        result = await session.execute(statement.values(updated_at=utcnow(), **values))
    return bool(getattr(result, "rowcount", 0) == 1)


async def _current(db: Database, order_id: int) -> Payment:
    row = await find(db, order_id)
    if row is None:
        raise RuntimeError(f"payment of order {order_id} vanished")
    return row


async def charge(  # noqa: PLR0917 (the saga's consumers call it with these six, in order)
    db: Database,
    order_id: int,
    buyer_id: int,
    amount: int,
    currency: str,
    payment_method: str,
    *,
    provider: PaymentProvider | None = None,
) -> Payment:
    """Charge ``amount`` cents of ``currency`` to ``payment_method`` (a token) for the order,
    once.

    Returns the payment, ``CHARGED`` or ``DECLINED`` (with ``failure_reason``); a repeat answers
    the first payment. Raises :class:`InvalidPaymentError` (bad input, nothing stored) and
    :class:`PaymentConflictError` (the order's payment has other parameters)."""
    code = _check_charge(order_id, buyer_id, amount, currency)
    provider = provider or default_provider(db)
    method = await _method(provider, payment_method)
    now = utcnow()
    request = {
        "buyer_id": buyer_id,
        "amount": amount,
        "currency": code,
        "payment_method": payment_method,
        "method_brand": method.brand,
        "method_last4": method.last4,
    }
    inserted = await _insert(
        db,
        {
            "order_id": order_id,
            **request,
            "status": PENDING,
            "provider": provider.name,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not inserted:
        existing = await _current(db, order_id)
        if existing.provider == VOID_PROVIDER:
            # The order was compensated before this charge arrived: record it, take nothing.
            await _update(
                db, order_id, {"provider": VOID_PROVIDER}, provider=provider.name, **request
            )
            _log.info("payments.charge_after_refund", order_id=order_id)
            return await _current(db, order_id)
        stored = {name: getattr(existing, name) for name in request}
        if stored != request:
            raise PaymentConflictError(
                f"order {order_id} already has a payment with other parameters"
            )
        if existing.status != PENDING and not _refunded_unsettled(existing):
            return existing
    charge_request = ChargeRequest(_charge_key(order_id), amount, code, payment_method)
    result = await provider.charge(charge_request)
    await _settle(db, order_id, charge_request, result, provider)
    return await _current(db, order_id)


def _refunded_unsettled(payment: Payment) -> bool:
    """Refunded while ``PENDING`` and never settled (the charging process died): whether the
    provider took the money is unknown until the charge is asked again (same key, same answer)."""
    return payment.status == REFUNDED and payment.provider_reference is None


async def _settle(
    db: Database,
    order_id: int,
    request: ChargeRequest,
    result: ProviderResult,
    provider: PaymentProvider,
) -> None:
    status = CHARGED if result.approved else DECLINED
    settled = await _update(
        db,
        order_id,
        {"status": PENDING},
        status=status,
        provider_reference=result.reference,
        failure_reason=result.failure_reason,
    )
    if settled:
        return
    if not _refunded_unsettled(await _current(db, order_id)):
        return
    # Refunded while this charge was at the provider.
    if not result.approved:  # no money moved: the truth is the decline
        await _update(
            db,
            order_id,
            {"status": REFUNDED, "provider_reference": None},
            status=DECLINED,
            provider_reference=result.reference,
            failure_reason=result.failure_reason,
        )
        return
    # The provider took the money: give it back.
    await provider.refund(result.reference, request.amount, request.currency, _refund_key(order_id))
    await _update(db, order_id, {"status": REFUNDED}, provider_reference=result.reference)
    _log.info("payments.refunded_in_flight_charge", order_id=order_id)


def _check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidPaymentError("reason must not be empty", "reason")
    if len(reason) > MAX_REASON:
        raise InvalidPaymentError(
            f"reason is limited to {MAX_REASON} characters", "reason", MAX_REASON
        )
    return text


async def refund(
    db: Database, order_id: int, reason: str, *, provider: PaymentProvider | None = None
) -> RefundResult:
    """Return the money of the order's charge, once; a no-op (saying which) otherwise."""
    text = _check_reason(reason)
    provider = provider or default_provider(db)
    existing = await find(db, order_id)
    if existing is None:
        now = utcnow()
        void = {
            "order_id": order_id,
            "buyer_id": 0,
            "amount": 0,
            "currency": "",
            "status": DECLINED,
            "method_brand": "",
            "method_last4": "",
            "provider": VOID_PROVIDER,
            "failure_reason": ORDER_CANCELLED,
            "refund_reason": text,
            "created_at": now,
            "updated_at": now,
        }
        if await _insert(db, void):
            return RefundResult(RefundOutcome.NO_PAYMENT, None)
        existing = await _current(db, order_id)  # a charge inserted first: refund that
    if existing.provider == VOID_PROVIDER:
        return RefundResult(RefundOutcome.NO_PAYMENT, None)
    if existing.status == PENDING:
        if await _update(db, order_id, {"status": PENDING}, status=REFUNDED, refund_reason=text):
            return RefundResult(RefundOutcome.REFUNDED, await _current(db, order_id))
        existing = await _current(db, order_id)  # settled meanwhile
    if existing.status == CHARGED:
        reference = existing.provider_reference or ""
        await provider.refund(reference, existing.amount, existing.currency, _refund_key(order_id))
        if await _update(db, order_id, {"status": CHARGED}, status=REFUNDED, refund_reason=text):
            return RefundResult(RefundOutcome.REFUNDED, await _current(db, order_id))
        existing = await _current(db, order_id)
    if existing.status == REFUNDED:
        return RefundResult(RefundOutcome.ALREADY_REFUNDED, existing)
    return RefundResult(RefundOutcome.NOT_CHARGED, existing)
