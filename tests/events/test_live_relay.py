"""Orders feeds ``orderStatusChanged`` from its own ``OrderStatusChanged`` events
(``subgraphs.orders.live.follow_saga``), on real Redis Streams and Redis pub/sub over a real
SQLite orders store. A status event handled late (a redelivery after a broker restart, or one
overtaken by the next transition) announces the status it carried and leaves the order as it is.

Regression: the relay wrote the event's status into the order row inside the consumer's
committed transaction, so a ``PENDING`` event handled after the saga confirmed the order moved
it back to ``PENDING`` for good (the RabbitMQ broker-restart saga test saw 4 such orders of 30).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from servicekit.events.contracts import OrderStatusChanged
from servicekit.events.runtime import EventRuntime
from servicekit.events.settings import EventSettings
from servicekit.events.store import InboxEntry
from subgraphs.common import live_events
from subgraphs.orders.app import create_database
from subgraphs.orders.live import follow_saga, topic
from subgraphs.orders.models import Order
from tests.events.support import BROKERS, delete_namespace, eventually, namespace

REDIS_URL = BROKERS["redis"]


async def test_a_late_status_event_is_announced_and_leaves_the_order_alone(
    tmp_path: Path,
) -> None:
    db = create_database(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    await db.create_schema()
    placed = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    async with db.session() as session, session.begin():
        session.add(
            Order(
                id=7,
                user_id=3,
                status="CONFIRMED",
                total=1299,
                placed_at=placed,
                idempotency_key="3:late-event",
            )
        )
    ns = namespace("live")
    runtime = EventRuntime(db.sessions, "orders", EventSettings(broker_url=REDIS_URL, namespace=ns))
    follow_saga(runtime)
    events = live_events.RedisLiveEvents(REDIS_URL, prefix=f"live-{uuid.uuid4().hex[:10]}")
    live_events.install(events)
    await runtime.bus.start()
    try:
        async with events.subscribe(topic(7)) as changes:
            late = OrderStatusChanged(
                order_id=7, buyer_id=3, status="PENDING", reason=None, upcs=[], correlation_id="7"
            )
            await runtime.bus.publish(late)
            async with asyncio.timeout(20):
                announced = await anext(changes)

            async def handled() -> bool:
                async with db.session() as session:
                    found = await session.scalar(
                        select(InboxEntry).where(col(InboxEntry.event_id) == late.id)
                    )
                return found is not None

            await eventually(handled, "the late event handled (its inbox entry committed)")
        async with db.session() as session:
            statuses = (await session.scalars(select(col(Order.status)))).all()
        assert announced == {
            "id": 7,
            "userId": 3,
            "status": "PENDING",
            "total": 1299,
            "placedAt": "2026-12-03T12:00:00+00:00",
            "idempotencyKey": "3:late-event",
        }
        assert statuses == ["CONFIRMED"]
    finally:
        live_events.install(None)
        await runtime.bus.stop()
        await delete_namespace(REDIS_URL, ns, runtime.bus.queues)
        await db.dispose()
