"""Dead letters on the broker itself: where a consumer puts an event it gave up on, per broker.

A consumer that failed ``max_attempts`` times (or got a message that is not an event) puts the
envelope, unchanged, on the broker's dead-letter destination with why in headers, then
acknowledges the original; if the broker refuses the dead letter the original is not
acknowledged, so it is delivered again (nothing is dropped). The destinations follow each
broker's conventions:

- Redis Streams: the stream ``<stream>.dlq`` beside the original (``shop.ChargePayment.dlq``),
  one entry per letter: the field ``data`` (the JSON envelope) and one field per header
  (Redis Streams have no headers: the entry's fields are its headers).
- NATS JetStream: the stream ``<namespace>-dlq`` over subjects ``<namespace>-dlq.<group>.<Type>``
  (outside the events stream's ``<namespace>.>``: JetStream refuses overlapping streams); the
  headers are NATS message headers.
- RabbitMQ: the dead-letter exchange ``<namespace>.dlx`` (topic) and its queue
  ``<namespace>.dlq`` (bound ``#``). Every consumer queue is declared with
  ``x-dead-letter-exchange`` / ``x-dead-letter-routing-key`` = ``<group>.<Type>``, so what the
  broker itself dead-letters (a rejected message, a TTL) lands there too, with RabbitMQ's own
  ``x-death`` header; the consumer publishes its letters there with the headers below.

Headers: ``x-dead-letter-reason`` (the last error), ``x-dead-letter-attempts``,
``x-dead-letter-group`` (the consumer group that failed), ``x-dead-letter-destination`` (the
stream / subject / routing key it came from), ``x-dead-letter-at`` (ISO 8601), ``x-event-id``,
``x-event-type``.

:meth:`DeadLetterQueue.replay` republishes a letter's envelope to its original destination
(same event id: the failing group's inbox has no row for it, groups that handled it ignore it),
then removes the letter: publish first, so a crash in between replays it twice at worst, which
the inboxes absorb.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from faststream.rabbit.schemas.queue import ClassicQueueArgs

    from servicekit.events.bus import EventBus

__all__ = ["HEADERS", "DeadLetter", "DeadLetterQueue", "dead_letter_queue"]

REASON, ATTEMPTS, GROUP = "x-dead-letter-reason", "x-dead-letter-attempts", "x-dead-letter-group"
DESTINATION, AT = "x-dead-letter-destination", "x-dead-letter-at"
EVENT_ID, EVENT_TYPE = "x-event-id", "x-event-type"
HEADERS = (REASON, ATTEMPTS, GROUP, DESTINATION, AT, EVENT_ID, EVENT_TYPE)
MAX_REASON = 2000


@dataclass(frozen=True)
class DeadLetter:
    """One letter as the broker holds it; ``id`` is ``<group>:<event id>`` on every broker."""

    event_type: str
    consumer_group: str
    payload: dict[str, Any]
    reason: str
    attempts: int
    failed_at: str
    destination: str
    locator: Any = field(default=None, compare=False, repr=False)
    """Where the broker keeps it (Redis (stream, entry id), NATS sequence, RabbitMQ message)."""

    @property
    def event_id(self) -> str:
        return str(self.payload.get("id", ""))

    @property
    def id(self) -> str:
        return f"{self.consumer_group}:{self.event_id}"

    def headers(self) -> dict[str, str]:
        return {
            REASON: self.reason[:MAX_REASON],
            ATTEMPTS: str(self.attempts),
            GROUP: self.consumer_group,
            DESTINATION: self.destination,
            AT: self.failed_at,
            EVENT_ID: self.event_id,
            EVENT_TYPE: self.event_type,
        }

    @classmethod
    def from_headers(
        cls, headers: dict[str, str], payload: dict[str, Any], locator: Any
    ) -> DeadLetter:
        return cls(
            event_type=headers.get(EVENT_TYPE, str(payload.get("type", ""))),
            consumer_group=headers.get(GROUP, ""),
            payload=payload,
            reason=headers.get(REASON, ""),
            attempts=int(headers.get(ATTEMPTS, "0") or 0),
            failed_at=headers.get(AT, ""),
            destination=headers.get(DESTINATION, ""),
            locator=locator,
        )


def _payload(body: bytes | str | None) -> dict[str, Any]:
    try:
        value = orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        return {"raw": repr(body)}
    return value if isinstance(value, dict) else {"raw": value}


Selector = Callable[[DeadLetter], bool]


class DeadLetterQueue(ABC):
    """The dead letters of one namespace on one broker (see the module docstring); each broker
    kind implements where they go, how they are listed and replayed."""

    def __init__(self, url: str, namespace: str) -> None:
        self.url = url
        self.namespace = namespace

    @staticmethod
    def letter(
        event_type: str, group: str, payload: dict[str, Any], *, error: str, attempts: int, to: str
    ) -> DeadLetter:
        """A new letter of ``group`` failing on ``payload`` (``to``: where it came from)."""
        now = datetime.now(UTC).isoformat()
        return DeadLetter(event_type, group, payload, error, attempts, now, to)

    @abstractmethod
    async def put(self, letter: DeadLetter) -> None: ...

    @abstractmethod
    async def entries(self) -> list[DeadLetter]: ...

    @abstractmethod
    async def replay(self, bus: EventBus, select: Selector) -> list[DeadLetter]: ...

    async def close(self) -> None:  # noqa: B027 (nothing to release unless a kind opened one)
        """Release the connection :meth:`put` opened (letters are rare: opened on first use)."""


class RedisDeadLetters(DeadLetterQueue):
    def __init__(self, url: str, namespace: str) -> None:
        super().__init__(url, namespace)
        self._client: Any = None

    def _redis(self) -> Any:
        from redis.asyncio import Redis

        if self._client is None:
            self._client = Redis.from_url(self.url)
        return self._client

    async def put(self, letter: DeadLetter) -> None:
        fields = {"data": orjson.dumps(letter.payload), **letter.headers()}
        await self._redis().xadd(f"{letter.destination}.dlq", fields)

    async def entries(self) -> list[DeadLetter]:
        client = self._redis()
        found: list[DeadLetter] = []
        streams = sorted([key async for key in client.scan_iter(match=f"{self.namespace}.*.dlq")])
        for stream in streams:
            for entry_id, fields in await client.xrange(stream):
                decoded = {k.decode(): v.decode() for k, v in fields.items()}
                body = decoded.pop("data", None)
                found.append(DeadLetter.from_headers(decoded, _payload(body), (stream, entry_id)))
        return sorted(found, key=lambda d: d.failed_at)

    async def replay(self, bus: EventBus, select: Selector) -> list[DeadLetter]:
        done = []
        for letter in await self.entries():
            if select(letter) and letter.event_type:
                await bus.publish_raw(letter.event_type, letter.payload)
                stream, entry_id = letter.locator
                await self._redis().xdel(stream, entry_id)
                done.append(letter)
        return done

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class NatsDeadLetters(DeadLetterQueue):
    def __init__(self, url: str, namespace: str) -> None:
        super().__init__(url, namespace)
        self.stream = f"{namespace}-dlq"
        self._connection: Any = None

    async def _js(self) -> Any:
        import nats

        if self._connection is None:
            self._connection = await nats.connect(self.url)
        return self._connection.jetstream()

    async def put(self, letter: DeadLetter) -> None:
        from nats.js.errors import NotFoundError

        js = await self._js()
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(name=self.stream, subjects=[f"{self.stream}.>"])
        subject = f"{self.stream}.{letter.consumer_group}.{letter.event_type or 'unknown'}"
        await js.publish(subject, orjson.dumps(letter.payload), headers=letter.headers())

    async def entries(self) -> list[DeadLetter]:
        from nats.js.errors import NotFoundError

        js = await self._js()
        try:
            state = (await js.stream_info(self.stream)).state
        except NotFoundError:
            return []
        found = []
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            try:
                message = await js.get_msg(self.stream, seq)
            except NotFoundError:  # deleted (replayed)
                continue
            headers = dict(message.headers or {})
            found.append(DeadLetter.from_headers(headers, _payload(message.data), seq))
        return found

    async def replay(self, bus: EventBus, select: Selector) -> list[DeadLetter]:
        js = await self._js()
        done = []
        for letter in await self.entries():
            if select(letter) and letter.event_type:
                await bus.publish_raw(letter.event_type, letter.payload)
                await js.delete_msg(self.stream, letter.locator)
                done.append(letter)
        return done

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


class RabbitDeadLetters(DeadLetterQueue):
    def __init__(self, url: str, namespace: str) -> None:
        super().__init__(url, namespace)
        self.exchange = f"{namespace}.dlx"
        self.queue = f"{namespace}.dlq"
        self._connection: Any = None

    def queue_arguments(self, group: str, event_type: str) -> ClassicQueueArgs:
        """A consumer queue's arguments: the broker dead-letters into our exchange too."""
        return {
            "x-dead-letter-exchange": self.exchange,
            "x-dead-letter-routing-key": f"{group}.{event_type}",
        }

    async def _channel(self) -> Any:
        import aio_pika

        if self._connection is None:
            self._connection = await aio_pika.connect_robust(self.url)
        return await self._connection.channel()

    async def declare(self, channel: Any) -> tuple[Any, Any]:
        import aio_pika

        exchange = await channel.declare_exchange(
            self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(self.queue, durable=True)
        await queue.bind(exchange, routing_key="#")
        return exchange, queue

    async def put(self, letter: DeadLetter) -> None:
        import aio_pika

        channel = await self._channel()
        try:
            exchange, _ = await self.declare(channel)
            message = aio_pika.Message(
                orjson.dumps(letter.payload),
                headers=dict(letter.headers()),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            await exchange.publish(
                message, routing_key=f"{letter.consumer_group}.{letter.event_type}"
            )
        finally:
            await channel.close()

    async def _drain(self, bus: EventBus | None, select: Selector | None) -> list[DeadLetter]:
        """Get every letter unacknowledged (closing the channel puts the untaken back in
        order); with ``select``, republish and acknowledge (remove) the selected ones."""
        channel = await self._channel()
        try:
            _, queue = await self.declare(channel)
            seen, done = [], []
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                letter = self._letter(message)
                seen.append(letter)
                if bus is not None and select is not None and select(letter) and letter.event_type:
                    await bus.publish_raw(letter.event_type, letter.payload)
                    await message.ack()
                    done.append(letter)
            return done if select is not None else seen
        finally:
            await channel.close()

    @staticmethod
    def _letter(message: Any) -> DeadLetter:
        raw = dict(message.headers or {})
        headers = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in raw.items()}
        payload = _payload(message.body)
        if GROUP not in headers and raw.get("x-death"):  # dead-lettered by RabbitMQ itself
            death = raw["x-death"][0]
            keys = death.get("routing-keys") or [""]
            headers |= {
                REASON: f"rabbitmq: {death.get('reason')}",
                ATTEMPTS: str(death.get("count", 1)),
                GROUP: _group_of_queue(str(death.get("queue", ""))),
                DESTINATION: str(keys[0]),
                AT: str(death.get("time", "")),
            }
        return DeadLetter.from_headers(headers, payload, None)

    async def entries(self) -> list[DeadLetter]:
        return await self._drain(None, None)

    async def replay(self, bus: EventBus, select: Selector) -> list[DeadLetter]:
        return await self._drain(bus, select)

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


def _group_of_queue(queue: str) -> str:
    """``<namespace>.<group>.<Type>`` (servicekit/events/bus.py's queue names) -> group."""
    parts = queue.split(".")
    return parts[-2] if len(parts) >= 3 else queue


def dead_letter_queue(kind: str, url: str, namespace: str) -> DeadLetterQueue:
    """The dead-letter destination of ``kind`` (``redis``, ``nats`` or ``rabbit``)."""
    kinds: dict[str, type[DeadLetterQueue]] = {
        "redis": RedisDeadLetters,
        "nats": NatsDeadLetters,
        "rabbit": RabbitDeadLetters,
    }
    return kinds[kind](url, namespace)
