"""The transactional outbox: :func:`add` writes an event in the caller's transaction (beside the
state change it describes), :class:`Relay` publishes unpublished rows in order, at least once.

A relay that dies after publishing but before marking a row publishes it again on its next
round: consumers are idempotent (:mod:`servicekit.events.consumer`'s inbox), so the effect is
once. This is the "transactional outbox" + "polling publisher" of microservices.io.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from servicekit.events.bus import EventBus
from servicekit.events.contracts import Event
from servicekit.events.store import OutboxEntry
from servicekit.logging import get_logger

__all__ = ["Relay", "add"]

_log = get_logger("servicekit.events")


def add(session: AsyncSession, event: Event) -> None:
    """Stage ``event`` in ``session``'s transaction: published only if it commits."""
    session.add(
        OutboxEntry(
            event_id=event.id,
            event_type=event.type,
            payload=event.model_dump(mode="json"),
            created_at=datetime.now(UTC),
        )
    )


class Relay:
    """Polls the outbox every ``interval_seconds`` (sooner after :meth:`wake`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        *,
        interval_seconds: float = 0.1,
        batch: int = 200,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.interval_seconds = interval_seconds
        self.batch = batch
        self.published = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Publish one batch; returns how many rows were published and marked."""
        statement = (
            select(OutboxEntry)
            .where(col(OutboxEntry.published_at).is_(None))
            .order_by(col(OutboxEntry.id))
            .limit(self.batch)
        )
        async with self.sessions() as session:
            rows = list((await session.scalars(statement)).all())
        done: list[int] = []
        try:
            for row in rows:
                await self.bus.publish_raw(row.event_type, dict(row.payload))
                done.append(row.id or 0)
        finally:
            if done:
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(OutboxEntry)
                        .where(col(OutboxEntry.id).in_(done))
                        .values(published_at=datetime.now(UTC))
                    )
                self.published += len(done)
        return len(done)

    async def run(self) -> None:
        """Until cancelled; a broker or store failure is logged and retried with backoff."""
        failures = 0
        while True:
            self._wake.clear()
            try:
                count = await self.run_once()
                failures = 0
            except Exception as error:
                failures += 1
                _log.warning("events.relay_failed", error=repr(error), failures=failures)
                await asyncio.sleep(min(0.1 * 2**failures, 2.0))
                continue
            if count:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_seconds)
