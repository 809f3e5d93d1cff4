"""Live events for subscriptions: a topic-keyed publish/subscribe seam, fed over Redis pub/sub.

Issue #16 feeds ``orderStatusChanged`` and ``stockChanged`` from the domain events of the events
issue; until that broker is on main, the subgraphs publish their own state changes here. Any
process instance serves any subscriber: a change made by one orders process reaches the
subscribers of another through Redis (``PUBLISH <prefix>:<topic>``), so the router may open its
subscription WebSocket to any instance. :class:`LiveEvents` is the seam the event broker can
later feed instead (publish from its consumers, keep the subscribe side).

One Redis connection per process carries every subscribed channel (:class:`RedisLiveEvents`
fans messages out to local queues), so a thousand subscriptions cost a thousand queues, not a
thousand Redis connections. ``subscribe`` returns only once Redis confirmed the ``SUBSCRIBE``:
an event published after it returns is delivered (the resolvers emit the current state first,
so a client knows when it is live).

Settings: the subgraph's ``<NAME>_REDIS_URL`` (servicekit), and ``LIVE_CHANNEL_PREFIX``
(default ``live``; tests use a fresh one each).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any, Protocol

from redis.asyncio import Redis

from servicekit.logging import get_logger
from servicekit.redis import create_redis

__all__ = [
    "LiveEvents",
    "RedisLiveEvents",
    "channel_prefix",
    "current",
    "install",
    "publish",
]

_log = get_logger("subgraphs.live_events")
QUEUE_SIZE = 256
"""Events buffered per subscriber; a subscriber that falls this far behind is ended (its client
gets an error and may resubscribe) rather than growing memory without bound."""


class SubscriberTooSlowError(Exception):
    """The subscriber's queue overflowed: events would be lost, so the stream ends instead."""


class LiveEvents(Protocol):
    """Publish a JSON object to a topic; subscribe to a topic's objects (async context)."""

    async def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    def subscribe(
        self, topic: str
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[Any]]: ...


def channel_prefix() -> str:
    return os.environ.get("LIVE_CHANNEL_PREFIX") or "live"


class _Topic:
    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.confirmed = asyncio.Event()


class RedisLiveEvents:
    """Redis pub/sub with one subscribing connection per process, fanned out locally."""

    def __init__(self, url: str, prefix: str | None = None) -> None:
        self._url = url
        self._prefix = prefix or channel_prefix()
        self._publisher: Redis = create_redis(url, timeout_seconds=2.0)
        self._subscriber: Redis | None = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._topics: dict[str, _Topic] = {}
        self._lock = asyncio.Lock()

    def _channel(self, topic: str) -> str:
        return f"{self._prefix}:{topic}"

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Best effort: a Redis outage loses live events (logged), never the state change."""
        try:
            await self._publisher.publish(self._channel(topic), json.dumps(payload))
        except Exception as error:
            _log.warning("live.publish_failed", topic=topic, error=str(error))

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[Any]]:
        channel = self._channel(topic)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        async with self._lock:
            await self._ensure_reader()
            entry = self._topics.get(channel)
            if entry is None:
                entry = self._topics[channel] = _Topic()
                await self._pubsub.subscribe(channel)
            entry.queues.add(queue)
        try:
            await asyncio.wait_for(entry.confirmed.wait(), timeout=5.0)
            yield _drain(queue)
        finally:
            async with self._lock:
                entry.queues.discard(queue)
                if not entry.queues and self._topics.get(channel) is entry:
                    del self._topics[channel]
                    with contextlib.suppress(Exception):
                        await self._pubsub.unsubscribe(channel)

    async def _ensure_reader(self) -> None:
        if self._reader is not None and not self._reader.done():
            return
        self._subscriber = Redis.from_url(self._url, decode_responses=False)
        self._pubsub = self._subscriber.pubsub()
        self._topics.clear()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        """Deliver each message to every local queue of its channel; on a Redis failure end
        every open stream (``None``), so clients learn of it instead of waiting forever."""
        try:
            while True:
                if not self._pubsub.subscribed:  # nothing subscribed yet (or any more)
                    await asyncio.sleep(0.01)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                channel = message["channel"].decode()
                entry = self._topics.get(channel)
                if entry is None:
                    continue
                if message["type"] == "subscribe":
                    entry.confirmed.set()
                elif message["type"] == "message":
                    self._deliver(entry, json.loads(message["data"]))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            _log.warning("live.reader_failed", error=str(error))
        for entry in self._topics.values():
            for queue in entry.queues:
                _end(queue)
        self._topics.clear()

    @staticmethod
    def _deliver(entry: _Topic, payload: dict[str, Any]) -> None:
        for queue in list(entry.queues):
            if queue.full():
                entry.queues.discard(queue)
                _end(queue)
            else:
                queue.put_nowait(payload)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._subscriber is not None:
            await self._subscriber.aclose()
        await self._publisher.aclose()


def _end(queue: asyncio.Queue[dict[str, Any] | None]) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(None)
        return
    with contextlib.suppress(asyncio.QueueEmpty):
        queue.get_nowait()
    queue.put_nowait(None)


async def _drain(queue: asyncio.Queue[dict[str, Any] | None]) -> AsyncIterator[dict[str, Any]]:
    while True:
        payload = await queue.get()
        if payload is None:
            raise SubscriberTooSlowError("the live event stream ended (overflow or Redis lost)")
        yield payload


_current: LiveEvents | None = None


def install(events: LiveEvents | None) -> None:
    """The process's live events (set by the subgraph app at start-up)."""
    global _current
    _current = events


def current() -> LiveEvents | None:
    return _current


async def publish(topic: str, payload: dict[str, Any]) -> None:
    """Publish when live events are installed (a process without them publishes nothing)."""
    if _current is not None:
        await _current.publish(topic, payload)
