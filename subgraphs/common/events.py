"""How a subgraph process runs its events (issue #15): relay and consumers inside the service
process (not separate workers), so ``stack up`` and every test stack run them with the service.

:func:`event_hooks` gives the lifespan pieces: a task that connects and relays, a wait before
serving (bounded: a broker that is down degrades ``/ready`` instead of blocking the start; the
outbox keeps what is written meanwhile), the stop, and an optional readiness check.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from servicekit.events.runtime import EventRuntime
from servicekit.health import CheckFailed, ReadinessCheck
from subgraphs.common.db import Database

__all__ = ["EventHooks", "event_hooks", "new_runtime"]

CONNECT_WAIT_SECONDS = 15.0


def new_runtime(db: Database, group: str) -> EventRuntime:
    """A runtime over its own engine on the service's store (same URL): the relay's polling and
    the consumers' transactions do not share the request path's pool (nor its SQL counters)."""
    engine = Database(db.url, [])
    runtime = EventRuntime(engine.sessions, group)
    runtime.closers.append(engine.dispose)
    return runtime


@dataclass(frozen=True)
class EventHooks:
    background: Callable[[], Coroutine[Any, Any, None]]
    before_serving: Callable[[], Awaitable[None]]
    on_shutdown: Callable[[], Awaitable[None]]
    checks: Mapping[str, ReadinessCheck]


def event_hooks(runtime: EventRuntime) -> EventHooks:
    async def connected() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.started.wait(), CONNECT_WAIT_SECONDS)

    async def probe() -> Mapping[str, Any]:
        if not runtime.started.is_set():
            raise CheckFailed(f"event broker {runtime.bus.kind} not connected", {})
        return {"broker": runtime.bus.kind}

    return EventHooks(
        background=runtime.run,
        before_serving=connected,
        on_shutdown=runtime.stop,
        checks={"events": ReadinessCheck(probe, required=False)},
    )
