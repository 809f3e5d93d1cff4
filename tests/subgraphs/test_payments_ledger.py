"""The payments ledger (what the saga's consumers call) on SQLite and on PostgreSQL, for the
moments a GraphQL request cannot stage: a payment a dead process left ``PENDING``, a refund
landing while its charge is at the provider, and concurrent charges of one order in one process.

The provider is the demo provider, subclassed only to count its calls and to run the refund at
the moment the charge is at the provider (no sleeps: the refund runs inside the charge's call)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import insert

from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.payments import ledger
from subgraphs.payments.app import create_database
from subgraphs.payments.models import Payment
from subgraphs.payments.provider import ChargeRequest, DemoProvider, ProviderResult

VISA = "pm_card_visa"


class CountingProvider(DemoProvider):
    """The demo provider; counts charges and refunds, and runs ``during_charge`` (once) while a
    charge is at the provider."""

    def __init__(self) -> None:
        super().__init__()
        self.charges: list[str] = []
        self.refunds: list[str] = []
        self.during_charge: Callable[[], Awaitable[object]] | None = None

    async def charge(self, request: ChargeRequest) -> ProviderResult:
        self.charges.append(request.idempotency_key)
        hook, self.during_charge = self.during_charge, None
        if hook is not None:
            await hook()
        return await super().charge(request)

    async def refund(
        self, charge_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> ProviderResult:
        self.refunds.append(idempotency_key)
        return await super().refund(charge_reference, amount, currency, idempotency_key)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def db(store_url: str) -> AsyncIterator[Database]:
    database = create_database(store_url)
    await database.create_schema()
    yield database
    await database.dispose()


def summary(payment: Payment | None) -> tuple[object, ...] | None:
    if payment is None:
        return None
    return (
        payment.order_id,
        payment.status,
        payment.amount,
        payment.method_brand,
        payment.method_last4,
        payment.failure_reason,
        payment.refund_reason,
    )


async def test_a_payment_left_pending_is_settled_by_the_next_charge(db: Database) -> None:
    now = utcnow()
    async with db.session() as session, session.begin():
        await session.execute(
            insert(Payment).values(
                order_id=1,
                buyer_id=5,
                amount=1500,
                currency="USD",
                status="PENDING",
                method_brand="visa",
                method_last4="4242",
                payment_method=VISA,
                provider="demo",
                created_at=now,
                updated_at=now,
            )
        )
    provider = CountingProvider()
    charged = await ledger.charge(db, 1, 5, 1500, "USD", VISA, provider=provider)
    assert summary(charged) == (1, "CHARGED", 1500, "visa", "4242", None, None)
    assert provider.charges == ["order-1-charge"]
    again = await ledger.charge(db, 1, 5, 1500, "USD", VISA, provider=provider)
    assert (summary(again), provider.charges) == (summary(charged), ["order-1-charge"])


async def test_a_refund_while_the_charge_is_at_the_provider_gives_the_money_back(
    db: Database,
) -> None:
    provider = CountingProvider()
    refunds: list[ledger.RefundResult] = []

    async def refund_now() -> None:
        refunds.append(await ledger.refund(db, 2, "saga timed out", provider=provider))

    provider.during_charge = refund_now
    payment = await ledger.charge(db, 2, 5, 990, "USD", VISA, provider=provider)
    assert summary(payment) == (2, "REFUNDED", 990, "visa", "4242", None, "saga timed out")
    assert [r.outcome for r in refunds] == [ledger.RefundOutcome.REFUNDED]
    # The provider took the money (the charge was approved) and was asked to give it back, once.
    assert (provider.charges, provider.refunds) == (["order-2-charge"], ["order-2-refund"])
    again = await ledger.refund(db, 2, "again", provider=provider)
    assert (again.outcome, provider.refunds) == (
        ledger.RefundOutcome.ALREADY_REFUNDED,
        ["order-2-refund"],
    )


async def test_a_charge_refunded_while_pending_by_a_dead_process_is_given_back_on_redelivery(
    db: Database,
) -> None:
    """The charging process died while its charge was at the provider (whether the money was
    taken is unknown to the ledger); the saga refunded the PENDING payment meanwhile. The
    redelivered charge asks the provider again (same key: the same charge, not a second one)
    and, the charge being approved, gives the money back."""
    provider = CountingProvider()
    stop = RuntimeError("the charging process dies at the provider")

    async def refund_then_die() -> None:
        await ledger.refund(db, 5, "saga timed out", provider=provider)
        raise stop

    provider.during_charge = refund_then_die
    with pytest.raises(RuntimeError) as died:
        await ledger.charge(db, 5, 5, 1200, "USD", VISA, provider=provider)
    assert died.value is stop
    payment = await ledger.charge(db, 5, 5, 1200, "USD", VISA, provider=provider)
    assert summary(payment) == (5, "REFUNDED", 1200, "visa", "4242", None, "saga timed out")
    assert (provider.charges, provider.refunds) == (
        ["order-5-charge", "order-5-charge"],
        ["order-5-refund"],
    )
    again = await ledger.charge(db, 5, 5, 1200, "USD", VISA, provider=provider)
    assert (summary(again), len(provider.charges)) == (summary(payment), 2)


async def test_a_declined_charge_refunded_in_flight_asks_no_refund(db: Database) -> None:
    provider = CountingProvider()

    async def refund_now() -> None:
        await ledger.refund(db, 3, "saga timed out", provider=provider)

    provider.during_charge = refund_now
    payment = await ledger.charge(
        db, 3, 5, 990, "USD", "pm_card_visa_chargeDeclined", provider=provider
    )
    # No money moved: the payment ends as the decline it was, with the refund's reason kept.
    assert summary(payment) == (
        3,
        "DECLINED",
        990,
        "visa",
        "0002",
        "card_declined",
        "saga timed out",
    )
    assert provider.refunds == []


async def test_concurrent_charges_make_one_payment_and_one_provider_charge_at_most(
    db: Database,
) -> None:
    provider = CountingProvider()
    results = await asyncio.gather(
        *(ledger.charge(db, 4, 5, 700, "USD", VISA, provider=provider) for _ in range(8))
    )
    assert {summary(p) for p in results} == {(4, "CHARGED", 700, "visa", "4242", None, None)}
    assert len({p.id for p in results}) == 1
    # Duplicates that found the payment still PENDING asked the provider again under the same
    # key (idempotent there); each charge is one call at most.
    assert set(provider.charges) == {"order-4-charge"} and len(provider.charges) <= 8
    refunded = await ledger.refund(db, 4, "r", provider=provider)
    assert (refunded.outcome, summary(refunded.payment)) == (
        ledger.RefundOutcome.REFUNDED,
        (4, "REFUNDED", 700, "visa", "4242", None, "r"),
    )
