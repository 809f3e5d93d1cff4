"""Idempotent consumers: each handler runs in one transaction with its inbox row, retried with
exponential backoff, and moved to the broker's dead-letter destination after ``max_attempts``
failures (servicekit/events/deadletters.py: ``<stream>.dlq`` on Redis, the ``<namespace>-dlq``
stream on JetStream, the ``<namespace>.dlx`` exchange on RabbitMQ).

The inbox row ``(event id, group)`` is written in the handler's transaction, so the handler's
effect and "this event was handled" commit together: a redelivered or duplicated event (at least
once publishing) finds the row and is acknowledged without effect. Handlers may write outbox
events in the same transaction (:func:`servicekit.events.outbox.add`): consume, change state and
publish the reply atomically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.events.bus import EventBus
from servicekit.events.contracts import Event, UnknownEventError, parse, upcast
from servicekit.events.store import InboxEntry
from servicekit.logging import get_logger

__all__ = ["Consumers", "Handler"]

E = TypeVar("E", bound=Event)
R = TypeVar("R")
Handler = Callable[[AsyncSession, E], Awaitable[None]]
Effect = Callable[[E], Awaitable[R]]
Reply = Callable[[AsyncSession, E, R], Awaitable[None]]
_log = get_logger("servicekit.events")
MAX_BACKOFF_SECONDS = 2.0


class _DuplicateError(Exception):
    """The inbox already holds this (event, group)."""


class Consumers:
    """The handlers of one consumer group (a service) on ``bus``, over the service's store."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        group: str,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 0.05,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.group = group
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.after_commit = after_commit
        self.handled = 0
        self.duplicates = 0
        self.dead = 0

    def on(self, contract: type[E], handler: Handler[E]) -> None:
        async def receive(data: dict[str, Any]) -> None:
            await self.handle(data, handler, event_type=contract.TYPE)

        self.bus.subscribe(contract.TYPE, self.group, receive)

    def on_effect(self, contract: type[E], effect: Effect[E, R], reply: Reply[E, R]) -> None:
        """For a domain function that runs its own transactions and is idempotent by itself
        (payments' ``charge``, keyed by order): ``effect`` runs first, outside the inbox
        transaction (on SQLite a second writer inside it would wait on our own lock), then
        ``reply`` writes the inbox row and the answer in one transaction. A crash between the
        two redelivers the event: ``effect`` answers the same result, the reply is written
        once."""

        async def receive(data: dict[str, Any]) -> None:
            await self.handle(data, reply, effect, event_type=contract.TYPE)

        self.bus.subscribe(contract.TYPE, self.group, receive)

    async def handle(
        self,
        data: Any,
        handler: Callable[..., Awaitable[None]],
        effect: Effect[Any, Any] | None = None,
        *,
        event_type: str,
    ) -> None:
        """Run ``handler`` once for this event in this group, or dead-letter it. A dead letter
        the broker refuses raises: the message is not acknowledged, so it comes again. An older
        version is upcast first (contracts.py), so what is logged or dead-lettered is the
        current version (a v1 ``ChargePayment``'s card number never gets that far)."""
        data = upcast(data)
        try:
            event = parse(data)
        except (UnknownEventError, ValueError) as invalid:
            await self._dead_letter(event_type, data, 1, invalid)
            return
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                if await self._attempt(event, handler, effect):
                    self.handled += 1
                else:
                    self.duplicates += 1
                return
            except Exception as failure:
                last = failure
                _log.warning(
                    "events.handler_failed",
                    group=self.group,
                    event_type=event.type,
                    event_id=event.id,
                    attempt=attempt,
                    error=repr(failure),
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(
                        min(self.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
                    )
        assert last is not None
        await self._dead_letter(event_type, data, self.max_attempts, last)

    async def _attempt(
        self, event: Event, handler: Callable[..., Awaitable[None]], effect: Effect[Any, Any] | None
    ) -> bool:
        if effect is None:
            return await self._once(event, handler)
        async with self.sessions() as session:
            if await session.get(InboxEntry, (event.id, self.group)) is not None:
                return False
        result = await effect(event)

        async def reply(session: AsyncSession, received: Event) -> None:
            await handler(session, received, result)

        return await self._once(event, reply)

    async def _once(self, event: Event, handler: Handler[Any]) -> bool:
        """False for a duplicate. The inbox insert is the transaction's first statement (on
        SQLite the write lock is taken before anything is read: no lock upgrade deadlock)."""
        row = {
            "event_id": event.id,
            "consumer_group": self.group,
            "event_type": event.type,
            "handled_at": datetime.now(UTC),
        }
        try:
            async with self.sessions() as session, session.begin():
                try:
                    await session.execute(insert(InboxEntry).values(**row))
                except IntegrityError:
                    raise _DuplicateError from None
                await handler(session, event)
        except _DuplicateError:
            return False
        if self.after_commit is not None:
            self.after_commit()
        return True

    async def _dead_letter(
        self, event_type: str, data: Any, attempts: int, error: Exception
    ) -> None:
        payload = data if isinstance(data, dict) else {"raw": repr(data)}
        letters = self.bus.dead_letters
        letter = letters.letter(
            event_type,
            self.group,
            payload,
            error=repr(error),
            attempts=attempts,
            to=self.bus.channel(event_type),
        )
        await letters.put(letter)
        self.dead += 1
        _log.error(
            "events.dead_lettered",
            group=self.group,
            event_type=event_type,
            event_id=payload.get("id"),
            attempts=attempts,
            error=repr(error),
        )
