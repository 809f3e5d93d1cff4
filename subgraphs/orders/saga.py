"""The order saga, orchestrated here in orders (no GraphQL in this module).

Why orchestration: one service owns the order's state machine, its timeouts and its
compensation, so the whole flow is read in one place and queried from one store
(``Order.statusHistory``); inventory and payments only answer commands with idempotent domain
functions and never need to know about each other (choreography would spread the timeouts and
the "who compensates what" rules over three services).

Steps (each command and reply is an event on the broker, written through the outbox):

1. ``placeOrder`` stores the order ``PENDING`` / ``RESERVING_STOCK`` with ``ReserveStock`` in
   the same transaction (:meth:`Saga.begin`).
2. ``StockReserved``: with payments on, ``CHARGING_PAYMENT`` and ``ChargePayment``; without,
   ``CONFIRMED``. ``StockReservationFailed``: ``CANCELLED`` with the reason (nothing to undo).
3. ``PaymentCharged``: ``CONFIRMED`` and ``ConfirmStock`` (inventory keeps the reservation).
   ``PaymentDeclined``: ``CANCELLED`` and ``ReleaseStock`` (compensation).
4. Timeouts (:meth:`Saga.tick`): a step without reply is resent after ``resend_after_seconds``
   (commands are idempotent by reservation key / order id, so a consumer that died holding the
   message is covered; each resend waits twice as long, so an outage does not pile them up),
   and cancelled after its deadline with compensation: ``ReleaseStock``,
   and ``RefundPayment`` when the charge step had started.
5. Late replies after a cancellation are compensated too: ``StockReserved`` -> ``ReleaseStock``,
   ``PaymentCharged`` -> ``RefundPayment``. Replies for a step already passed are ignored.

Every transition is guarded (``PENDING`` and the expected step, row locked), so a reply racing
the timeout applies once. Inventory's reservation time-to-live stays the last safety net: a
reservation no saga confirms is released by its sweeper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from servicekit.events import outbox
from servicekit.events.contracts import (
    ChargePayment,
    ConfirmStock,
    Event,
    Line,
    OrderStatusChanged,
    PaymentCharged,
    PaymentDeclined,
    RefundPayment,
    ReleaseStock,
    ReserveStock,
    StockReservationFailed,
    StockReserved,
)
from servicekit.events.runtime import EventRuntime
from servicekit.logging import get_logger
from subgraphs.common.clock import as_utc
from subgraphs.orders.models import Order, OrderItem, OrderStatusEntry

__all__ = ["CHARGING", "RESERVING", "Saga", "SagaConfig"]

RESERVING = "RESERVING_STOCK"
CHARGING = "CHARGING_PAYMENT"
PENDING, CONFIRMED, CANCELLED = "PENDING", "CONFIRMED", "CANCELLED"
_log = get_logger("subgraphs.orders")


@dataclass(frozen=True)
class SagaConfig:
    stock_timeout_seconds: float = 30.0
    payment_timeout_seconds: float = 30.0
    resend_after_seconds: float = 3.0
    charge_payment: bool = True
    """False: no payment step (CONFIRMED once stock is reserved)."""
    default_payment_method: str = "pm_card_visa"


def now() -> datetime:
    """To the microsecond (deadlines of a fraction of a second in tests)."""
    return datetime.now(UTC)


def _history(
    session: AsyncSession, order_id: int, status: str, step: str | None, reason: str | None
) -> None:
    session.add(
        OrderStatusEntry(order_id=order_id, status=status, step=step, reason=reason, at=now())
    )


class Saga:
    def __init__(self, config: SagaConfig, wake: Callable[[], None] = lambda: None) -> None:
        self.config = config
        self.wake = wake

    # -- step 1, inside placeOrder's transaction ------------------------------------------
    def begin(self, session: AsyncSession, order: Order, lines: Sequence[tuple[str, int]]) -> None:
        """``order`` is flushed (has its id) and ``PENDING``/``RESERVING_STOCK``."""
        assert order.id is not None
        _history(session, order.id, PENDING, RESERVING, None)
        outbox.add(session, self._reserve(order, lines))
        outbox.add(session, self._status_event(order, []))

    def prepare(self, order: Order) -> None:
        """A new order's saga columns: ``PENDING``, reserving stock, with the step's deadline."""
        current = now()
        order.status = PENDING
        order.saga_step = RESERVING
        order.step_deadline = current + timedelta(seconds=self.config.stock_timeout_seconds)
        order.resend_at = current + timedelta(seconds=self.config.resend_after_seconds)

    # -- wiring -------------------------------------------------------------------------
    def subscribe(self, runtime: EventRuntime) -> None:
        runtime.on(StockReserved, self.on_stock_reserved)
        runtime.on(StockReservationFailed, self.on_reservation_failed)
        runtime.on(PaymentCharged, self.on_payment_charged)
        runtime.on(PaymentDeclined, self.on_payment_declined)

    # -- replies --------------------------------------------------------------------------
    async def on_stock_reserved(self, session: AsyncSession, event: StockReserved) -> None:
        order = await _locked(session, event.order_id)
        if order is None:
            return
        if order.status == PENDING and order.saga_step == RESERVING:
            if self.config.charge_payment:
                self._step(order, CHARGING, self.config.payment_timeout_seconds)
                _history(session, event.order_id, PENDING, CHARGING, None)
                outbox.add(session, self._charge(order))
            else:
                await self._confirm(session, order)
        elif order.status == CANCELLED:  # reserved after the saga gave up: give it back
            outbox.add(session, self._release(order))

    async def on_reservation_failed(
        self, session: AsyncSession, event: StockReservationFailed
    ) -> None:
        order = await _locked(session, event.order_id)
        if order is not None and order.status == PENDING and order.saga_step == RESERVING:
            await self._cancel(session, order, event.reason, compensate=[])

    async def on_payment_charged(self, session: AsyncSession, event: PaymentCharged) -> None:
        order = await _locked(session, event.order_id)
        if order is None:
            return
        if order.status == PENDING and order.saga_step == CHARGING:
            await self._confirm(session, order)
        elif order.status == CANCELLED:  # charged after the saga gave up: pay it back
            reason = f"order cancelled: {order.reason}"
            outbox.add(
                session,
                RefundPayment(
                    order_id=event.order_id, reason=reason, correlation_id=str(event.order_id)
                ),
            )

    async def on_payment_declined(self, session: AsyncSession, event: PaymentDeclined) -> None:
        order = await _locked(session, event.order_id)
        if order is not None and order.status == PENDING and order.saga_step == CHARGING:
            reason = f"payment declined: {event.reason}"
            await self._cancel(session, order, reason, compensate=[self._release(order)])

    # -- timeouts -------------------------------------------------------------------------
    async def tick(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Resend or time out every overdue step; returns how many orders were acted on."""
        current = now()
        statement = select(col(Order.id)).where(
            col(Order.status) == PENDING,
            or_(col(Order.step_deadline) < current, col(Order.resend_at) < current),
        )
        async with sessions() as session:
            overdue = [i for i in (await session.scalars(statement)).all() if i is not None]
        for order_id in overdue:
            async with sessions() as session, session.begin():
                await self._overdue(session, order_id, current)
        if overdue:
            self.wake()
        return len(overdue)

    async def _overdue(self, session: AsyncSession, order_id: int, current: datetime) -> None:
        # Write first (SQLite takes its lock before reading; PostgreSQL locks the row).
        await session.execute(update(Order).where(col(Order.id) == order_id).values(id=order_id))
        order = await _locked(session, order_id)
        if order is None or order.status != PENDING:
            return
        deadline, resend_at = _aware(order.step_deadline), _aware(order.resend_at)
        if deadline is not None and deadline < current:
            if order.saga_step == CHARGING:
                compensate: list[Event] = [
                    self._release(order),
                    RefundPayment(
                        order_id=order_id, reason="payment timed out", correlation_id=str(order_id)
                    ),
                ]
                await self._cancel(session, order, "payment timed out", compensate)
            else:
                await self._cancel(
                    session, order, "stock reservation timed out", [self._release(order)]
                )
            _log.warning("order.saga_timed_out", order_id=order_id, step=order.saga_step)
            return
        if resend_at is not None and resend_at < current:
            order.step_resends += 1
            backoff = self.config.resend_after_seconds * 2 ** min(order.step_resends, 5)
            order.resend_at = current + timedelta(seconds=backoff)
            if order.saga_step == RESERVING:
                outbox.add(session, self._reserve(order, await order_lines(session, order_id)))
            elif order.saga_step == CHARGING:
                outbox.add(session, self._charge(order))

    # -- transitions ----------------------------------------------------------------------
    def _step(self, order: Order, step: str, timeout_seconds: float) -> None:
        current = now()
        order.saga_step = step
        order.step_deadline = current + timedelta(seconds=timeout_seconds)
        order.resend_at = current + timedelta(seconds=self.config.resend_after_seconds)
        order.step_resends = 0

    async def _confirm(self, session: AsyncSession, order: Order) -> None:
        assert order.id is not None
        order.status, order.saga_step, order.step_deadline, order.resend_at = (
            CONFIRMED,
            None,
            None,
            None,
        )
        _history(session, order.id, CONFIRMED, None, None)
        outbox.add(
            session,
            ConfirmStock(
                order_id=order.id,
                reservation_key=order.idempotency_key,
                correlation_id=str(order.id),
            ),
        )
        upcs = [upc for upc, _ in await order_lines(session, order.id)]
        outbox.add(session, self._status_event(order, upcs))

    async def _cancel(
        self, session: AsyncSession, order: Order, reason: str, compensate: Sequence[Event]
    ) -> None:
        assert order.id is not None
        order.status, order.saga_step, order.step_deadline, order.resend_at = (
            CANCELLED,
            None,
            None,
            None,
        )
        order.reason = reason
        _history(session, order.id, CANCELLED, None, reason)
        for event in compensate:
            outbox.add(session, event)
        upcs = [upc for upc, _ in await order_lines(session, order.id)]
        outbox.add(session, self._status_event(order, upcs))

    # -- commands -------------------------------------------------------------------------
    @staticmethod
    def _reserve(order: Order, lines: Sequence[tuple[str, int]]) -> ReserveStock:
        assert order.id is not None
        return ReserveStock(
            order_id=order.id,
            reservation_key=order.idempotency_key,
            lines=[Line(upc=upc, quantity=quantity) for upc, quantity in lines],
            correlation_id=str(order.id),
        )

    @staticmethod
    def _release(order: Order) -> ReleaseStock:
        assert order.id is not None
        return ReleaseStock(
            order_id=order.id, reservation_key=order.idempotency_key, correlation_id=str(order.id)
        )

    def _charge(self, order: Order) -> ChargePayment:
        assert order.id is not None
        return ChargePayment(
            order_id=order.id,
            buyer_id=order.user_id,
            amount=order.total,
            payment_method=order.payment_method or self.config.default_payment_method,
            correlation_id=str(order.id),
        )

    @staticmethod
    def _status_event(order: Order, upcs: list[str]) -> OrderStatusChanged:
        assert order.id is not None
        return OrderStatusChanged(
            order_id=order.id,
            buyer_id=order.user_id,
            status=order.status,
            reason=order.reason,
            upcs=upcs,
            correlation_id=str(order.id),
        )


async def _locked(session: AsyncSession, order_id: int) -> Order | None:
    statement = select(Order).where(col(Order.id) == order_id).with_for_update()
    return await session.scalar(statement)


async def order_lines(session: AsyncSession, order_id: int) -> list[tuple[str, int]]:
    statement = (
        select(col(OrderItem.product_upc), col(OrderItem.quantity))
        .where(col(OrderItem.order_id) == order_id)
        .order_by(col(OrderItem.product_upc))
    )
    return [(upc, quantity) for upc, quantity in (await session.execute(statement)).all()]


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return as_utc(value) if value is not None else None
