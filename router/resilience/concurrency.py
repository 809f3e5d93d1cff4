"""A bound on in-flight requests per subgraph (the bulkhead pattern): one slow subgraph can hold
at most ``max_in_flight`` connections and tasks, and a request that cannot get a slot within
``queue_timeout_seconds`` fails fast with ``SUBGRAPH_OVERLOADED`` instead of queueing without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from router.resilience.errors import ConcurrencyLimitError
from servicekit.slots import Slots

__all__ = ["ConcurrencyLimit"]


class ConcurrencyLimit:
    def __init__(self, name: str, *, max_in_flight: int, queue_timeout_seconds: float) -> None:
        self.name = name
        self.max_in_flight = max_in_flight
        self.queue_timeout_seconds = queue_timeout_seconds
        self._slots = Slots(max_in_flight)
        self.in_flight = 0
        self.waiting = 0
        self.rejected = 0

    def try_acquire(self) -> bool:
        """Take a free slot now (no coroutine: once per subgraph fetch); False when the caller
        must wait in :meth:`acquire`."""
        if self._slots.take_now():
            self.in_flight += 1
            return True
        return False

    async def acquire(self) -> None:
        """Take one slot; :meth:`release` gives it back. A free slot is taken at once, with no
        timer (the usual case); only a wait is bounded."""
        if self.try_acquire():
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_timeout_seconds):
                await self._slots.take()
        except TimeoutError:
            self.rejected += 1
            raise ConcurrencyLimitError(self.name, self.queue_timeout_seconds) from None
        finally:
            self.waiting -= 1
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._slots.give()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def snapshot(self) -> dict[str, Any]:
        return {
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "max_in_flight": self.max_in_flight,
            "rejected": self.rejected,
        }
