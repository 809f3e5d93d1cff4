"""``events dlq``: list and replay the dead letters of a namespace, read from the broker.

Replaying republishes the original envelope (same event id) to its original destination and
removes the letter (servicekit/events/deadletters.py); the failing group's inbox has no row for
the event, so it is handled again, and groups that had handled it ignore it.
"""

from __future__ import annotations

from servicekit.events.bus import EventBus
from servicekit.events.deadletters import DeadLetter

__all__ = ["dead_letters", "replay"]


async def dead_letters(bus: EventBus) -> list[DeadLetter]:
    return await bus.dead_letters.entries()


async def replay(bus: EventBus, ids: list[str] | None = None) -> list[DeadLetter]:
    """Republish and remove every letter (``ids`` None) or those whose id (``<group>:<event
    id>``) or event id is in ``ids``; returns the replayed letters. ``bus`` is connected."""

    def chosen(letter: DeadLetter) -> bool:
        return ids is None or letter.id in ids or letter.event_id in ids

    return await bus.dead_letters.replay(bus, chosen)
