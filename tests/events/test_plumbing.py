"""servicekit.events on the machine's real Redis Streams, NATS JetStream and RabbitMQ (a unique
namespace per test): events written through the outbox in the state change's transaction reach
a consumer whose effect happens exactly once even when the relay publishes rows twice and
messages are duplicated on the broker; a handler that keeps failing moves its event to the
dead-letter store after N attempts, and ``events dlq replay`` (the CLI, a real process) makes it
handled once the handler works again."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel, col

from servicekit.events import outbox
from servicekit.events.bus import EventBus
from servicekit.events.consumer import Consumers
from servicekit.events.contracts import StockChanged
from servicekit.events.dlq import dead_letters
from servicekit.events.outbox import Relay
from servicekit.events.store import EVENT_TABLES, InboxEntry, OutboxEntry
from servicekit.topology import PROJECT_ROOT
from tests.events.support import BROKERS, delete_namespace, eventually, namespace

pytestmark = pytest.mark.timeout(240)  # the CLI runs as child processes: slow on a loaded machine


class Effect(SQLModel, table=True):
    """What the test handler does: one row per handled event (a unique column, so a second
    application would fail loudly rather than be hidden)."""

    __tablename__ = "events_test_effects"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=False)
    upc: str


@pytest.fixture(params=list(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    return BROKERS[str(request.param)]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    tables = [m.__table__ for m in [*EVENT_TABLES, Effect]]  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all, tables=tables)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[SQLModel]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _effect(session: AsyncSession, event: StockChanged) -> None:
    session.add(Effect(event_id=event.id, upc=event.upc))


async def test_outbox_relay_consumer_applies_each_event_once(
    broker_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ns = namespace("plumb")
    bus = EventBus(broker_url, ns)
    consumers = Consumers(sessions, bus, "svc")
    consumers.on(StockChanged, _effect)
    await bus.start()
    try:
        events = [StockChanged(upc=f"u{i}", quantity=i) for i in range(20)]
        for event in events:  # each in its own state-change transaction
            async with sessions() as session, session.begin():
                outbox.add(session, event)
        relay = Relay(sessions, bus)
        assert await relay.run_once() == 20
        # A relay that died before marking: five rows are published a second time.
        async with sessions() as session, session.begin():
            await session.execute(
                update(OutboxEntry).where(col(OutboxEntry.id) <= 5).values(published_at=None)
            )
        assert await relay.run_once() == 5
        # The broker delivers some messages twice more (at least once delivery).
        for event in events[10:15]:
            await bus.publish(event)

        async def settled() -> bool:
            return consumers.handled + consumers.duplicates == 30

        await eventually(settled, "every delivery handled or deduplicated")
        assert (consumers.handled, consumers.duplicates, consumers.dead) == (20, 10, 0)
        async with sessions() as session:
            rows = (await session.execute(select(col(Effect.event_id), col(Effect.upc)))).all()
        assert sorted(rows) == sorted((e.id, e.upc) for e in events)
        assert await _count(sessions, InboxEntry) == 20
        assert await relay.run_once() == 0
    finally:
        await bus.stop()
        await delete_namespace(broker_url, ns, bus.queues)


def _cli(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "servicekit.events.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_failing_handler_dead_letters_after_n_attempts_then_replays(
    broker_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    ns = namespace("dlq")
    bus = EventBus(broker_url, ns)
    consumers = Consumers(sessions, bus, "svc", max_attempts=3, backoff_seconds=0.05)
    attempts: list[datetime] = []
    broken = True

    async def flaky(session: AsyncSession, event: StockChanged) -> None:
        attempts.append(datetime.now(UTC))
        if broken:
            raise RuntimeError("downstream store is read-only")
        await _effect(session, event)

    consumers.on(StockChanged, flaky)
    await bus.start()
    try:
        event = StockChanged(upc="dead", quantity=1)
        await bus.publish(event)

        async def dead() -> bool:
            return consumers.dead == 1

        await eventually(dead, "the event dead-lettered")
        assert len(attempts) == 3
        gaps = [(attempts[i + 1] - attempts[i]).total_seconds() for i in range(2)]
        assert gaps[0] >= 0.05 and gaps[1] >= 0.1, gaps  # exponential backoff
        letters = await dead_letters(sessions)
        assert [(d.event_id, d.event_type, d.consumer_group, d.attempts) for d in letters] == [
            (event.id, "StockChanged", "svc", 3)
        ]
        assert "downstream store is read-only" in letters[0].error
        assert await _count(sessions, Effect) == 0

        env = {
            "EVENTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
            "EVENTS_BROKER_URL": broker_url,
            "EVENTS_NAMESPACE": ns,
        }
        listed = _cli("dlq", "list", env=env)
        assert f"{letters[0].id}\t{event.id}\tStockChanged\tsvc\t3\t" in listed
        broken = False
        assert _cli("dlq", "replay", "--all", env=env) == f"replayed 1: {letters[0].id}\n"

        async def handled() -> bool:
            return consumers.handled == 1

        await eventually(handled, "the replayed event handled")
        assert await _count(sessions, Effect) == 1
        assert len(attempts) == 4
        assert await dead_letters(sessions) == []
        assert _cli("dlq", "list", env=env) == "no dead letters\n"
    finally:
        await bus.stop()
        await delete_namespace(broker_url, ns, bus.queues)
