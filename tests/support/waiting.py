"""Wait for a condition instead of sleeping a guessed time (issue #21): on a loaded machine a
fixed sleep can end before the awaited tasks have run; a condition cannot be early."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["LIMIT_SECONDS", "until"]

LIMIT_SECONDS = 10.0
"""A bound for a hung test, never the expected duration."""


async def until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the event loop until ``condition()`` holds; fail naming ``what`` after
    ``LIMIT_SECONDS``."""
    try:
        async with asyncio.timeout(LIMIT_SECONDS):
            # polling: the state is the code under test's own (no event of ours to await)
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.001)
    except TimeoutError:
        raise AssertionError(f"not reached within {LIMIT_SECONDS} s: {what}") from None
