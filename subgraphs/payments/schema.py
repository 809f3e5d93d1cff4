"""The payments subgraph's GraphQL schema (Strawberry, Apollo Federation v2).

``Payment`` is the entity (``@key(fields: "id")``); ``Order`` (owned by orders) is extended with
its ``payment``, loaded through the request's loader (N orders, one SQL statement).

A payment is its buyer's only, checked here (a subgraph does not trust that only the router calls
it): ``payment(id:)`` answers ``UNAUTHENTICATED`` to an anonymous caller and null for a payment
that is not the caller's (the same as an unknown id, so ids cannot be probed); ``Order.payment``
and ``Payment`` entities are null for anyone but the buyer. ``chargePayment`` / ``refundPayment``
are ``@inaccessible`` and answer the orders service only (a signed service identity,
:mod:`servicekit.auth.service`), like inventory's ``reserveStock``; the saga's event consumers
call :mod:`subgraphs.payments.ledger` directly.

``createPaymentMethod(card:)`` is what Stripe.js's ``createPaymentMethod`` is in a shop's page:
a signed-in user turns a card number into a ``pm_...`` token at the (demo) provider, and
``placeOrder`` is given the token; Stripe's test tokens (``pm_card_visa``,
``pm_card_visa_chargeDeclined`` ...) need no creation.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from subgraphs.common.clock import as_utc
from subgraphs.common.db import Database
from subgraphs.common.identity import caller, calling_service
from subgraphs.common.ids import parse_int_id
from subgraphs.common.limits import (
    MAX_CARD_NUMBER,
    MAX_PAYMENT_METHOD,
    MAX_REASON,
    check_length,
)
from subgraphs.common.strawberry_app import federation_schema
from subgraphs.payments import ledger
from subgraphs.payments.loaders import Loaders
from subgraphs.payments.models import Payment as PaymentRow

__all__ = ["AUDIENCE", "Context", "schema"]

AUDIENCE = "payments"
PAYING_SERVICES = frozenset({"orders"})


class Context(BaseContext):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.loaders = Loaders.create(db)


@strawberry.enum
class PaymentStatus(Enum):
    PENDING = "PENDING"
    CHARGED = "CHARGED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"


@strawberry.federation.enum(inaccessible=True)
class RefundOutcome(Enum):
    REFUNDED = "REFUNDED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    NOT_CHARGED = "NOT_CHARGED"
    NO_PAYMENT = "NO_PAYMENT"


@strawberry.type(description="How the buyer paid: the card's brand and last four digits only.")
class PaymentMethod:
    brand: str
    last4: str


@strawberry.type(
    description="A payment method at the provider: its token (give it to placeOrder) and what "
    "it shows; the card number itself is never stored."
)
class CreatedPaymentMethod:
    id: str = strawberry.field(description="The token, pm_...")
    brand: str
    last4: str


def _visible(info: Info[Context, None], row: PaymentRow | None) -> bool:
    """A real payment (not a refund's void marker) of the caller's, or the orders service."""
    if row is None or row.provider == ledger.VOID_PROVIDER:
        return False
    identity = caller(info.context.request)
    return identity is not None and identity.user_id == str(row.buyer_id)


@strawberry.federation.type(keys=["id"], description="The payment of an order (amounts in cents).")
class Payment:
    id: strawberry.ID
    order_id: strawberry.Private[int]
    amount: int
    currency: str
    status: PaymentStatus
    method: PaymentMethod
    failure_reason: str | None = strawberry.field(
        description="The provider's decline code (card_declined, insufficient_funds ...)."
    )
    refund_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: PaymentRow) -> Payment:
        return cls(
            id=strawberry.ID(str(row.id)),
            order_id=row.order_id,
            amount=row.amount,
            currency=row.currency,
            status=PaymentStatus(row.status),
            method=PaymentMethod(brand=row.method_brand, last4=row.method_last4),
            failure_reason=row.failure_reason,
            refund_reason=row.refund_reason,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )

    @strawberry.field
    def order(self) -> Order:
        return Order(id=strawberry.ID(str(self.order_id)))

    @classmethod
    def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID, **_: Any
    ) -> Awaitable[Payment | None]:
        return _load_payment(info, id)


async def _load_payment(info: Info[Context, None], payment_id: object) -> Payment | None:
    key = parse_int_id(payment_id)
    if key is None:
        return None
    row = await info.context.loaders.payments.load(key)
    return Payment.from_row(row) if row is not None and _visible(info, row) else None


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        authenticated=True, description="The order's payment; its buyer only."
    )
    async def payment(self, info: Info[Context, None]) -> Payment | None:
        order_id = parse_int_id(self.id)
        if order_id is None:
            return None
        row = await info.context.loaders.by_order.load(order_id)
        return Payment.from_row(row) if row is not None and _visible(info, row) else None

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: Any) -> Order:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field(description="A payment of the caller's.")  # type: ignore[untyped-decorator]
    async def payment(self, info: Info[Context, None], id: strawberry.ID) -> Payment | None:
        if caller(info.context.request) is None:
            raise GraphQLError(
                "payment needs a signed-in user", extensions={"code": "UNAUTHENTICATED"}
            )
        return await _load_payment(info, id)


@strawberry.federation.input(inaccessible=True)
class ChargePaymentInput:
    order_id: strawberry.ID
    buyer_id: strawberry.ID
    amount: int = strawberry.field(description="In cents, 1 to 99999999.")
    currency: str = strawberry.field(description="ISO 4217, e.g. USD.")
    payment_method: str = strawberry.field(
        description="A payment method token (pm_card_visa, or one createPaymentMethod made)."
    )


@strawberry.federation.type(inaccessible=True)
class PaymentRefund:
    outcome: RefundOutcome
    payment: Payment | None


def _only_orders(info: Info[Context, None]) -> None:
    """Internal mutations answer the orders service only (a verified service identity)."""
    if calling_service(info.context.request, AUDIENCE) not in PAYING_SERVICES:
        raise GraphQLError(
            "payments are internal to the orders service", extensions={"code": "FORBIDDEN"}
        )


def _id(argument: str, value: object) -> int:
    parsed = parse_int_id(value)
    if parsed is None or parsed <= 0:
        raise GraphQLError(
            f"{argument} must be a positive integer id",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    return parsed


def _payment_error(error: Exception) -> GraphQLError:
    if isinstance(error, ledger.PaymentConflictError):
        return GraphQLError(str(error), extensions={"code": "PAYMENT_CONFLICT"})
    assert isinstance(error, ledger.InvalidPaymentError)
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "argument": error.argument}
    if error.maximum is not None:
        extensions["maximum"] = error.maximum
    return GraphQLError(str(error), extensions=extensions)


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(  # type: ignore[untyped-decorator]
        inaccessible=True,
        description="Charge an order once (the orders service only); the same order again "
        "answers the first payment, with other parameters PAYMENT_CONFLICT. A decline is a "
        "DECLINED payment, not an error.",
    )
    async def charge_payment(self, info: Info[Context, None], input: ChargePaymentInput) -> Payment:
        _only_orders(info)
        check_length("paymentMethod", input.payment_method, MAX_PAYMENT_METHOD)
        order_id, buyer_id = _id("orderId", input.order_id), _id("buyerId", input.buyer_id)
        try:
            row = await ledger.charge(
                info.context.db,
                order_id,
                buyer_id,
                input.amount,
                input.currency,
                input.payment_method,
            )
        except (ledger.InvalidPaymentError, ledger.PaymentConflictError) as error:
            raise _payment_error(error) from error
        return Payment.from_row(row)

    @strawberry.federation.mutation(  # type: ignore[untyped-decorator]
        authenticated=True,
        description="Turn a card number into a payment method token at the payment provider "
        "(Stripe.js's createPaymentMethod); the number is not stored, the token is what "
        "placeOrder takes.",
    )
    async def create_payment_method(
        self, info: Info[Context, None], card: str
    ) -> CreatedPaymentMethod:
        if caller(info.context.request) is None:
            raise GraphQLError(
                "createPaymentMethod needs a signed-in user", extensions={"code": "UNAUTHENTICATED"}
            )
        check_length("card", card, MAX_CARD_NUMBER)
        try:
            token, details = await ledger.create_payment_method(info.context.db, card)
        except ledger.InvalidPaymentError as error:
            raise _payment_error(error) from error
        return CreatedPaymentMethod(id=token, brand=details.brand, last4=details.last4)

    @strawberry.federation.mutation(  # type: ignore[untyped-decorator]
        inaccessible=True,
        description="Return an order's charged money once (the orders service only); "
        "otherwise a no-op whose outcome says why.",
    )
    async def refund_payment(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str
    ) -> PaymentRefund:
        _only_orders(info)
        check_length("reason", reason, MAX_REASON)
        try:
            result = await ledger.refund(info.context.db, _id("orderId", order_id), reason)
        except ledger.InvalidPaymentError as error:
            raise _payment_error(error) from error
        payment = Payment.from_row(result.payment) if result.payment is not None else None
        return PaymentRefund(outcome=RefundOutcome(result.outcome.value), payment=payment)


schema = federation_schema(Query, Mutation, types=[Payment, Order])
