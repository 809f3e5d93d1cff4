"""Which failures are timeouts, and which subgraphs are timing out now.

A subgraph that accepts connections but never answers looks healthy to a connect probe; what gives
it away is that its recent calls ended in timeouts. :class:`TimeoutTracker` keeps the count per
window and whether the latest outcome was a timeout (a success clears that), for ``/ready``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["TimeoutTracker", "is_timeout"]


def is_timeout(error: BaseException) -> bool:
    """A deadline ran out: asyncio's, httpx's (connect, read, write, pool)."""
    return isinstance(error, TimeoutError | httpx.TimeoutException)


class TimeoutTracker:
    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._recent: deque[float] = deque()
        self.total = 0
        self.timing_out = False
        """The latest completed call timed out (and none has succeeded since)."""

    def record(self, *, timed_out: bool) -> None:
        self.timing_out = timed_out
        if timed_out:
            self.total += 1
            self._recent.append(self._clock())

    def snapshot(self) -> dict[str, Any]:
        now = self._clock()
        while self._recent and self._recent[0] <= now - self.window_seconds:
            self._recent.popleft()
        if not self._recent:
            self.timing_out = False  # nothing recent: old news is not a reason to degrade
        return {
            "timing_out": self.timing_out,
            "timeouts_in_window": len(self._recent),
            "timeouts_total": self.total,
        }
