"""servicekit.events on the machine's real Redis Streams, NATS JetStream and RabbitMQ (a unique
namespace per test): events written through the outbox in the state change's transaction reach
a consumer whose effect happens exactly once even when the relay publishes rows twice and
messages are duplicated on the broker; a handler that keeps failing moves its event to the
broker's dead-letter destination after N attempts (read back with the broker's own client, with
the reason and attempt count in headers), and ``events dlq replay`` (the CLI, a real process)
republishes it to its original destination, removes it, and it is handled once the handler works
again."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import nats
import orjson
import pytest
from nats.js.errors import NotFoundError
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel, col

from servicekit.events import outbox
from servicekit.events.bus import EventBus
from servicekit.events.consumer import Consumers
from servicekit.events.contracts import StockChanged
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


async def _broker_letters(url: str, ns: str) -> list[tuple[str, dict[str, str], dict[str, object]]]:
    """The dead letters as the broker's own client sees them: (where, headers, envelope)."""
    if url.startswith("redis"):
        client = Redis.from_url(url)
        try:
            entries = await client.xrange(f"{ns}.StockChanged.dlq")
        finally:
            await client.aclose()
        found = []
        for _, fields in entries:
            decoded = {k.decode(): v.decode() for k, v in fields.items()}
            body = decoded.pop("data")
            found.append((f"{ns}.StockChanged.dlq", decoded, orjson.loads(body)))
        return found
    if url.startswith("nats"):
        connection = await nats.connect(url)
        try:
            js = connection.jetstream()
            try:
                state = (await js.stream_info(f"{ns}-dlq")).state
            except NotFoundError:
                return []
            found = []
            for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
                with contextlib.suppress(NotFoundError):
                    msg = await js.get_msg(f"{ns}-dlq", seq)
                    headers = dict(msg.headers or {})
                    found.append((msg.subject, headers, orjson.loads(msg.data or b"")))
            return found
        finally:
            await connection.close()
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{ns}.dlq", durable=True, passive=True)
        found = []
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            headers = {k: str(v) for k, v in (message.headers or {}).items()}
            found.append((f"{ns}.dlx {message.routing_key}", headers, orjson.loads(message.body)))
        await channel.close()  # unacknowledged: the letters stay
        return found
    finally:
        await connection.close()


def _where(url: str, ns: str) -> str:
    if url.startswith("redis"):
        return f"{ns}.StockChanged.dlq"
    if url.startswith("nats"):
        return f"{ns}-dlq.svc.StockChanged"
    return f"{ns}.dlx svc.StockChanged"


async def test_failing_handler_dead_letters_on_the_broker_after_n_attempts_then_replays(
    broker_url: str, sessions: async_sessionmaker[AsyncSession]
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
        letters = await _broker_letters(broker_url, ns)
        assert len(letters) == 1
        where, headers, envelope = letters[0]
        assert (where, envelope) == (_where(broker_url, ns), event.model_dump(mode="json"))
        failed_at = headers["x-dead-letter-at"]
        assert datetime.fromisoformat(failed_at) >= attempts[-1]
        assert {k: v for k, v in headers.items() if k.startswith("x-")} == {
            "x-dead-letter-reason": "RuntimeError('downstream store is read-only')",
            "x-dead-letter-attempts": "3",
            "x-dead-letter-group": "svc",
            "x-dead-letter-destination": f"{ns}.StockChanged",
            "x-dead-letter-at": failed_at,
            "x-event-id": event.id,
            "x-event-type": "StockChanged",
        }
        assert await _count(sessions, Effect) == 0

        env = {"EVENTS_BROKER_URL": broker_url, "EVENTS_NAMESPACE": ns}
        assert _cli("dlq", "list", env=env) == (
            f"svc:{event.id}\tStockChanged\t3\t{failed_at}\t{ns}.StockChanged\t"
            "RuntimeError('downstream store is read-only')\n"
        )
        broken = False
        assert _cli("dlq", "replay", "--id", f"svc:{event.id}", env=env) == (
            f"replayed 1: svc:{event.id}\n"
        )

        async def handled() -> bool:
            return consumers.handled == 1

        await eventually(handled, "the replayed event handled")
        assert await _count(sessions, Effect) == 1
        assert len(attempts) == 4
        assert await _broker_letters(broker_url, ns) == []
        assert _cli("dlq", "list", env=env) == "no dead letters\n"
    finally:
        await bus.stop()
        await delete_namespace(broker_url, ns, bus.queues)
