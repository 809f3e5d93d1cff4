"""The three real brokers of this machine, and cleanup of one namespace on them (tests never
reconfigure or flush the shared servers: they delete only what their namespace created)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
import nats
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

__all__ = ["BROKERS", "delete_namespace", "eventually", "namespace"]

BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
}


def namespace(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def delete_namespace(url: str, name: str, queues: list[str] | None = None) -> None:
    """Remove the streams / JetStream streams / exchanges and queues of ``name`` (its dead
    letters' included)."""
    if url.startswith("redis"):
        client = Redis.from_url(url)
        keys = [key async for key in client.scan_iter(match=f"{name}.*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    elif url.startswith("nats"):
        connection = await nats.connect(url)
        for stream in (name, f"{name}-dlq"):
            with contextlib.suppress(NotFoundError):
                await connection.jetstream().delete_stream(stream)
        await connection.close()
    else:
        connection = await aio_pika.connect(url)
        channel = await connection.channel()
        for queue in [*(queues or []), f"{name}.dlq"]:
            await channel.queue_delete(queue)
        await channel.exchange_delete(name)
        await channel.exchange_delete(f"{name}.dlx")
        await connection.close()


async def eventually(
    condition: Callable[[], Awaitable[bool]], what: str, limit: float = 20.0
) -> None:
    """Poll an async ``condition`` (a store or a service's answer) until it holds; fail naming
    ``what`` after ``limit`` seconds (a bound for a hung saga, not the expected duration)."""
    deadline = asyncio.get_running_loop().time() + limit
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {limit} s: {what}")
        await asyncio.sleep(0.02)
