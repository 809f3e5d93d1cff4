"""The dead-letter store of a service: list what its consumers gave up on, replay it.

Replaying republishes the original envelope (same event id) on its channel: the failing group's
inbox has no row for it, so it is handled again; groups that had handled it ignore it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from servicekit.events.store import DeadLetter

if TYPE_CHECKING:  # the broker libraries load only for a replay (the CLI's list stays quick)
    from servicekit.events.bus import EventBus

__all__ = ["dead_letters", "replay"]


async def dead_letters(
    sessions: async_sessionmaker[AsyncSession], *, include_replayed: bool = False
) -> list[DeadLetter]:
    statement = select(DeadLetter).order_by(col(DeadLetter.id))
    if not include_replayed:
        statement = statement.where(col(DeadLetter.replayed_at).is_(None))
    async with sessions() as session:
        return list((await session.scalars(statement)).all())


async def replay(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, ids: list[int] | None = None
) -> list[int]:
    """Republish the unreplayed dead letters (all, or those of ``ids``); returns their ids."""
    replayed = []
    for letter in await dead_letters(sessions):
        if ids is not None and letter.id not in ids:
            continue
        if not letter.event_type:
            continue  # not an envelope: nothing to republish
        await bus.publish_raw(letter.event_type, dict(letter.payload))
        async with sessions() as session, session.begin():
            await session.execute(
                update(DeadLetter)
                .where(col(DeadLetter.id) == letter.id)
                .values(replayed_at=datetime.now(UTC))
            )
        replayed.append(letter.id or 0)
    return replayed
