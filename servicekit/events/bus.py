"""One FastStream broker per process, chosen by URL, and the channel layout on each kind.

- ``redis://`` (the default, on the Redis ``make dev`` already runs): one Redis Stream per event
  type, ``<namespace>.<Type>``; each consuming service is a consumer group (XREADGROUP), so every
  service sees every event once and its replicas share them.
- ``nats://``: JetStream stream ``<namespace>`` over subjects ``<namespace>.<Type>``; each
  consuming service is a durable pull consumer ``<group>-<Type>``.
- ``amqp://``: a durable topic exchange ``<namespace>``, routing key ``<Type>``; each consuming
  service has a durable queue ``<namespace>.<group>.<Type>`` bound to it, whose dead-letter
  exchange is ``<namespace>.dlx``.

Each kind's dead-letter destination is in servicekit/events/deadletters.py.

The namespace keeps runs apart on a shared server (a test stack, the dev stack).
Consumer groups start at the beginning of the stream (Redis ``0``, NATS ``DeliverPolicy.ALL``),
so an event published before a consumer first started is not lost to it; on RabbitMQ a queue
receives from its first declaration on (the saga resends unanswered commands, see
subgraphs/orders/saga.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import nats
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, PullSub
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.redis import RedisBroker, StreamSub
from nats.js.errors import NotFoundError
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from servicekit.events.contracts import Event
from servicekit.events.deadletters import DeadLetterQueue, RabbitDeadLetters, dead_letter_queue
from servicekit.events.settings import DEFAULT_BROKER_URL
from servicekit.logging import get_logger

__all__ = ["DEFAULT_BROKER_URL", "EventBus", "Kind", "broker_kind"]

Kind = str
RawHandler = Callable[[dict[str, Any]], Awaitable[None]]
QUIET = logging.DEBUG  # FastStream logs every message at INFO; ours log what matters
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
POLL_BLOCK_MS = 1000
"""Redis Streams: how long one ``XREADGROUP`` blocks waiting for entries (FastStream's
``polling_interval``). An entry that arrives ends the wait at once, so this costs no delivery
latency; at 100 ms every idle consumer made ten round trips a second (a BFF with three
consumers spent 6.4 ms of CPU per second doing nothing)."""
_log = get_logger("servicekit.events")


async def _redeliver_pending(
    client: Redis, channel: str, group: str, idle_ms: int | None = None
) -> int:
    """A consumer that died holding messages leaves them pending in its group, and FastStream's
    subscriber reads only new entries (``>``): append each pending entry again (same payload,
    same event id) and acknowledge the old one, so it is delivered once more (at least once;
    the consumers' inbox absorbs the duplicate if it had been handled). NATS JetStream
    (``ack_wait``) and RabbitMQ (requeue on a closed channel) redeliver by themselves.
    ``idle_ms``: only entries delivered at least that long ago and still unacknowledged."""
    moved = 0
    while True:
        pending = await client.xpending_range(
            channel, group, min="-", max="+", count=500, idle=idle_ms
        )
        if not pending:
            return moved
        for entry in pending:
            message_id = entry["message_id"]
            found = await client.xrange(channel, min=message_id, max=message_id)
            fields: Any = found[0][1] if found else None
            if fields:  # None: trimmed or deleted meanwhile, nothing to deliver
                await client.xadd(channel, fields)
            await client.xack(channel, group, message_id)
            moved += 1


def broker_kind(url: str) -> Kind:
    scheme = urlsplit(url).scheme
    kinds = {
        "redis": "redis",
        "rediss": "redis",
        "nats": "nats",
        "amqp": "rabbit",
        "amqps": "rabbit",
    }
    if scheme not in kinds:
        raise ValueError(f"unsupported event broker URL {url!r}: use redis://, nats:// or amqp://")
    return kinds[scheme]


class EventBus:
    """Publish events and subscribe handlers on one broker; ``start`` after every ``subscribe``."""

    def __init__(
        self,
        url: str = DEFAULT_BROKER_URL,
        namespace: str = "shop",
        *,
        reclaim_idle_seconds: float = 30.0,
    ) -> None:
        if not _NAME.match(namespace):
            raise ValueError(f"event namespace {namespace!r}: letters, digits, '-' and '_' only")
        self.url = url
        self.namespace = namespace
        self.reclaim_idle_seconds = reclaim_idle_seconds
        """Redis Streams: an entry delivered this long ago and never acknowledged is delivered
        again (:meth:`_reclaim`)."""
        self._reclaimer: asyncio.Task[None] | None = None
        self.kind = broker_kind(url)
        self.broker: Any
        self._groups: list[tuple[str, str]] = []
        self.queues: list[str] = []
        """RabbitMQ queues this bus declared (tests delete them)."""
        self.dead_letters: DeadLetterQueue = dead_letter_queue(self.kind, url, namespace)
        """Where consumers put what they give up on (servicekit/events/deadletters.py)."""
        if self.kind == "redis":
            self.broker = RedisBroker(url, log_level=QUIET)
        elif self.kind == "nats":
            self.broker = NatsBroker(url, log_level=QUIET)
            self._stream = JStream(namespace, subjects=[f"{namespace}.>"])
        else:
            self.broker = RabbitBroker(url, log_level=QUIET)
            self._exchange = RabbitExchange(namespace, type=ExchangeType.TOPIC, durable=True)

    def channel(self, event_type: str) -> str:
        return f"{self.namespace}.{event_type}"

    def subscribe(self, event_type: str, group: str, handler: RawHandler) -> None:
        """``handler`` gets each decoded envelope once per ``group`` (at least once: a handler
        that raises leaves the message to be delivered again)."""
        channel = self.channel(event_type)
        subscriber: Any
        if self.kind == "redis":
            self._groups.append((channel, group))
            sub = StreamSub(
                channel, group=group, consumer=f"{group}-1", polling_interval=POLL_BLOCK_MS
            )
            subscriber = self.broker.subscriber(stream=sub, ack_policy=AckPolicy.NACK_ON_ERROR)
        elif self.kind == "nats":
            config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_wait=5.0)
            subscriber = self.broker.subscriber(
                channel,
                stream=self._stream,
                durable=f"{group}-{event_type}",
                config=config,
                pull_sub=PullSub(batch_size=10, timeout=0.2),
                ack_policy=AckPolicy.NACK_ON_ERROR,
            )
        else:
            name = f"{self.namespace}.{group}.{event_type}"
            self.queues.append(name)
            assert isinstance(self.dead_letters, RabbitDeadLetters)
            arguments = self.dead_letters.queue_arguments(group, event_type)
            queue = RabbitQueue(name, durable=True, routing_key=event_type, arguments=arguments)
            subscriber = self.broker.subscriber(
                queue, self._exchange, ack_policy=AckPolicy.NACK_ON_ERROR
            )
        subscriber(handler)

    async def start_when_available(self, log: Any, event: str) -> None:
        """:meth:`start`, retried with backoff (0.2 s doubling to 5 s) while the broker is down,
        each failure logged as ``event``: a service serves meanwhile (an outbox keeps what it
        writes, a cache's TTLs bound staleness)."""
        delay = 0.2
        while True:
            try:
                await self.start()
            except Exception as error:
                log.warning(event, url=self.url, error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                return

    async def start(self) -> None:
        if self.kind == "redis":
            await self._create_groups()
        await self.broker.start()
        if self.kind == "redis" and self._groups and self._reclaimer is None:
            self._reclaimer = asyncio.create_task(self._reclaim())
        if self.kind == "rabbit":
            await self.broker.declare_exchange(self._exchange)
        elif self.kind == "nats":
            await self._declare_stream()

    async def _create_groups(self) -> None:
        """Groups read from the stream's start (FastStream would create them at ``$``), and
        what a previous process of this group left unacknowledged is delivered again."""
        client = Redis.from_url(self.url)
        try:
            for channel, group in self._groups:
                try:
                    await client.xgroup_create(channel, group, id="0", mkstream=True)
                except ResponseError as error:
                    if "BUSYGROUP" not in str(error):
                        raise
                await _redeliver_pending(client, channel, group)
        finally:
            await client.aclose()

    async def _declare_stream(self) -> None:
        """The stream exists before the first publish, even in a process that only publishes."""
        connection = await nats.connect(self.url)
        try:
            stream = connection.jetstream()
            try:
                await stream.stream_info(self.namespace)
            except NotFoundError:
                await stream.add_stream(name=self.namespace, subjects=[f"{self.namespace}.>"])
        finally:
            await connection.close()

    async def publish(self, event: Event) -> None:
        await self.publish_raw(event.type, event.model_dump(mode="json"))

    async def publish_raw(self, event_type: str, data: dict[str, Any]) -> None:
        """Publish and wait for the broker's acknowledgement (JetStream ack, publisher confirm,
        XADD reply), so a row the relay marks published is durably on the broker."""
        channel = self.channel(event_type)
        if self.kind == "redis":
            await self.broker.publish(data, stream=channel)
        elif self.kind == "nats":
            await self.broker.publish(data, channel, stream=self.namespace)
        else:
            await self.broker.publish(
                data, routing_key=event_type, exchange=self._exchange, persist=True
            )

    async def _reclaim(self) -> None:
        """Redis Streams only: an entry the group delivered but nobody acknowledged within
        ``reclaim_idle_seconds`` is delivered again. Without it an entry whose XREADGROUP reply
        was lost (the connection or the Redis server dropped between the read and the reply)
        stays pending until the process restarts (found by the broker-restart saga test: a
        ``PaymentCharged`` delivered at the moment Redis was killed was never handled)."""
        idle_ms = int(self.reclaim_idle_seconds * 1000)
        client = Redis.from_url(self.url)
        try:
            while True:
                await asyncio.sleep(max(self.reclaim_idle_seconds / 3, 0.05))
                for channel, group in self._groups:
                    try:
                        moved = await _redeliver_pending(client, channel, group, idle_ms)
                    except Exception as error:  # the broker is down: the next round retries
                        _log.debug("events.reclaim_failed", channel=channel, error=repr(error))
                        continue
                    if moved:
                        _log.warning("events.reclaimed", channel=channel, group=group, count=moved)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self._reclaimer is not None:
            self._reclaimer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reclaimer
            self._reclaimer = None
        await self.broker.stop()
        await self.dead_letters.close()
