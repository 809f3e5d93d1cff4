"""Payments' side of the order saga (issue #15): ``ChargePayment`` and ``RefundPayment`` from
orders, answered with ``PaymentCharged`` / ``PaymentDeclined`` / ``PaymentRefunded``.

The ledger's functions are idempotent by order id and run their own transactions
(subgraphs/payments/ledger.py), so they are the consumer's *effect*, run before the inbox
transaction that writes the reply (:meth:`servicekit.events.consumer.Consumers.on_effect`): a
crash between the two redelivers the command, the ledger answers the same payment, and the reply
is written once. A payment method or parameters the ledger refuses are a decline, not a
retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.events import outbox
from servicekit.events.contracts import (
    ChargePayment,
    PaymentCharged,
    PaymentDeclined,
    PaymentRefunded,
    RefundPayment,
)
from servicekit.events.runtime import EventRuntime
from subgraphs.common.db import Database
from subgraphs.payments import ledger
from subgraphs.payments.models import CHARGED, Payment

__all__ = ["subscribe"]


def subscribe(runtime: EventRuntime, db: Database) -> None:
    runtime.consumers.on_effect(ChargePayment, _charge(db), _charge_reply)
    runtime.consumers.on_effect(RefundPayment, _refund(db), _refund_reply)


def _charge(db: Database) -> Callable[[ChargePayment], Awaitable[Payment | str]]:
    async def charge(event: ChargePayment) -> Payment | str:
        try:
            return await ledger.charge(
                db,
                event.order_id,
                event.buyer_id,
                event.amount,
                event.currency,
                event.payment_method,
            )
        except (ledger.InvalidPaymentError, ledger.PaymentConflictError) as refused:
            return str(refused)

    return charge


async def _charge_reply(
    session: AsyncSession, event: ChargePayment, outcome: Payment | str
) -> None:
    correlation = event.correlation_id
    if isinstance(outcome, Payment) and outcome.status == CHARGED:
        charged = PaymentCharged(
            order_id=event.order_id,
            payment_id=str(outcome.id),
            amount=outcome.amount,
            correlation_id=correlation,
        )
        outbox.add(session, charged)
        return
    if isinstance(outcome, Payment):  # DECLINED, or REFUNDED before it settled (compensated)
        reason = outcome.failure_reason or outcome.status.lower()
    else:
        reason = outcome
    declined = PaymentDeclined(order_id=event.order_id, reason=reason, correlation_id=correlation)
    outbox.add(session, declined)


def _refund(db: Database) -> Callable[[RefundPayment], Awaitable[ledger.RefundResult]]:
    async def refund(event: RefundPayment) -> ledger.RefundResult:
        return await ledger.refund(db, event.order_id, event.reason or "order cancelled")

    return refund


async def _refund_reply(
    session: AsyncSession, event: RefundPayment, result: ledger.RefundResult
) -> None:
    if result.outcome is ledger.RefundOutcome.REFUNDED and result.payment is not None:
        refunded = PaymentRefunded(
            order_id=event.order_id,
            amount=result.payment.amount,
            correlation_id=event.correlation_id,
        )
        outbox.add(session, refunded)
