"""One deadline for a whole request (Apollo Router's ``traffic_shaping.router.timeout``).

:func:`request_deadline` bounds the block with :func:`asyncio.timeout_at` and publishes the
deadline in a context variable, which the tasks the executor spawns inherit. A subgraph call cut
short by it is then told apart from one cancelled because the client went away
(:func:`deadline_passed`): the first is a timeout and counts against the subgraph's breaker, the
second says nothing about the subgraph.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

__all__ = ["deadline_passed", "request_deadline"]

_DEADLINE: ContextVar[float | None] = ContextVar("router_request_deadline", default=None)
_TIMER_SLACK_SECONDS = 0.001
"""asyncio may run a timer up to its clock resolution early; a cancellation this close to the
deadline is the deadline's."""


@asynccontextmanager
async def request_deadline(seconds: float | None) -> AsyncIterator[asyncio.Timeout | None]:
    """Run the block within ``seconds`` (``None``: unbounded); raises :class:`TimeoutError`
    when the deadline passes (``.expired()`` of the yielded timeout then says so)."""
    if seconds is None:
        yield None
        return
    when = asyncio.get_running_loop().time() + seconds
    token = _DEADLINE.set(when)
    try:
        async with asyncio.timeout_at(when) as timeout:
            yield timeout
    finally:
        _DEADLINE.reset(token)


def deadline_passed() -> bool:
    """Whether the current request's deadline (if any) has passed."""
    when = _DEADLINE.get()
    return when is not None and asyncio.get_running_loop().time() >= when - _TIMER_SLACK_SECONDS
