"""Everything a service runs for events, in its own process: the broker connection, the outbox
relay and its consumers (one consumer group named after the service). Services start it in their
lifespan (subgraphs/common/app.py's ``background``/``on_shutdown``), so ``stack up`` runs relays
and consumers as part of each service, with no extra worker process to supervise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.events.bus import EventBus
from servicekit.events.consumer import Consumers, Handler
from servicekit.events.contracts import Event
from servicekit.events.settings import EventSettings
from servicekit.logging import get_logger

__all__ = ["EventRuntime"]

E = TypeVar("E", bound=Event)
_log = get_logger("servicekit.events")


class EventRuntime:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        group: str,
        settings: EventSettings | None = None,
    ) -> None:
        from servicekit.events.outbox import Relay

        self.sessions = sessions
        self.settings = settings or EventSettings()
        self.bus = EventBus(
            self.settings.broker_url,
            self.settings.namespace,
            reclaim_idle_seconds=self.settings.reclaim_idle_seconds,
        )
        self.relay = Relay(
            sessions, self.bus, interval_seconds=self.settings.relay_interval_seconds
        )
        self.consumers = Consumers(
            sessions,
            self.bus,
            group,
            max_attempts=self.settings.max_attempts,
            backoff_seconds=self.settings.retry_backoff_seconds,
            after_commit=self.relay.wake,
        )
        self.started = asyncio.Event()
        self.closers: list[Callable[[], Awaitable[None]]] = []
        """Run by :meth:`stop` (the runtime's own store engine)."""

    def on(self, contract: type[E], handler: Handler[E]) -> None:
        self.consumers.on(contract, handler)

    async def run(self) -> None:
        """Connect (retrying while the broker is down), then relay until cancelled."""
        await self.bus.start_when_available(_log, "events.broker_unavailable")
        _log.info("events.started", kind=self.bus.kind, namespace=self.bus.namespace)
        self.started.set()
        await self.relay.run()

    async def stop(self) -> None:
        if self.started.is_set():
            await self.bus.stop()
        for close in self.closers:
            await close()
