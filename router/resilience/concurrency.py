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

__all__ = ["ConcurrencyLimit"]


class ConcurrencyLimit:
    def __init__(self, name: str, *, max_in_flight: int, queue_timeout_seconds: float) -> None:
        self.name = name
        self.max_in_flight = max_in_flight
        self.queue_timeout_seconds = queue_timeout_seconds
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self.in_flight = 0
        self.waiting = 0
        self.rejected = 0

    async def acquire(self) -> None:
        """Take one slot; :meth:`release` gives it back. A free slot is taken at once, with no
        timer (the usual case, once per subgraph fetch); only a wait is bounded."""
        if self._semaphore.locked():
            self.waiting += 1
            try:
                async with asyncio.timeout(self.queue_timeout_seconds):
                    await self._semaphore.acquire()
            except TimeoutError:
                self.rejected += 1
                raise ConcurrencyLimitError(self.name, self.queue_timeout_seconds) from None
            finally:
                self.waiting -= 1
        else:
            await self._semaphore.acquire()  # not locked: returns without suspending
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._semaphore.release()

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
