"""Redis Streams: an entry the consumer group delivered but whose XREADGROUP reply never reached
the consumer (the connection or the Redis server dropped in between) is delivered again after
``reclaim_idle_seconds``, while the process keeps running (``EventBus._reclaim``).

Regression: such an entry stayed pending until the process restarted; the broker-restart saga
test lost a ``PaymentCharged`` that way (delivered at the moment Redis was killed, never handled).
The lost reply is reproduced exactly: the entry is appended and read by another consumer of the
group in one MULTI/EXEC, so no consumer of the bus ever receives it."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import SQLModel, col

from servicekit.events.bus import EventBus
from servicekit.events.consumer import Consumers
from servicekit.events.contracts import StockChanged
from servicekit.events.store import EVENT_TABLES, InboxEntry
from tests.events.support import BROKERS, delete_namespace, eventually, namespace

REDIS_URL = BROKERS["redis"]


async def test_an_entry_whose_delivery_was_lost_is_delivered_again(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    tables = [m.__table__ for m in EVENT_TABLES]  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all, tables=tables)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ns = namespace("reclaim")
    bus = EventBus(REDIS_URL, ns, reclaim_idle_seconds=0.5)
    handled: list[str] = []

    async def handle(_session: object, event: StockChanged) -> None:
        handled.append(event.upc)

    consumers = Consumers(sessions, bus, "svc")
    consumers.on(StockChanged, handle)
    await bus.start()
    client = Redis.from_url(REDIS_URL)
    try:
        await bus.publish(StockChanged(upc="first", quantity=1))
        await eventually(lambda: _true(handled == ["first"]), "the first event handled")

        # the second entry is appended and delivered to a consumer that never gets the reply
        channel = bus.channel("StockChanged")
        lost = StockChanged(upc="lost", quantity=2)
        async with client.pipeline(transaction=True) as pipe:
            pipe.xadd(channel, {"__data__": lost.model_dump_json()})
            pipe.xreadgroup("svc", "gone", {channel: ">"}, count=1)
            _, delivered = await pipe.execute()
        assert len(delivered[0][1]) == 1  # it is pending in the group, held by "gone"

        async def handled_once() -> bool:
            async with sessions() as session:
                ids = (await session.scalars(select(col(InboxEntry.event_id)))).all()
            return lost.id in ids

        await eventually(handled_once, "the lost delivery handled", 20)
        assert handled == ["first", "lost"]
        assert await client.xpending(channel, "svc") == {
            "pending": 0,
            "min": None,
            "max": None,
            "consumers": [],
        }
    finally:
        await client.aclose()
        await bus.stop()
        await delete_namespace(REDIS_URL, ns, bus.queues)
        await engine.dispose()


async def _true(value: bool) -> bool:
    return value
