"""A counting semaphore whose free slot is taken without a coroutine (issue #20).

``asyncio.Semaphore.acquire`` is a coroutine and, in Python 3.11, ``locked()`` builds a generator
on every call; the router takes two slots per subgraph fetch (the subgraph's concurrency bound
and the connection pool). Here :meth:`Slots.take_now` takes a free slot synchronously and only a
caller that must wait awaits :meth:`Slots.take` (first come, first served; a waiter cancelled
after being handed a slot passes it on).
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress

__all__ = ["Slots"]


class Slots:
    """At most ``size`` holders; :meth:`give` returns a slot taken by either way."""

    __slots__ = ("_free", "_waiters")

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take_now(self) -> bool:
        """Take a free slot if there is one and nobody waits for it."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    def busy(self) -> bool:
        """Whether :meth:`take_now` would fail."""
        return self._free <= 0 or bool(self._waiters)

    async def take(self) -> None:
        """Take a slot, waiting in line when none is free (callers try :meth:`take_now` first)."""
        if self.take_now():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a slot, then cancelled: the next in line gets it
            else:
                with suppress(ValueError):  # give() may have skipped it already
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        """Return a slot: to the first live waiter, else to the free count."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
