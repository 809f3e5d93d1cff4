"""The three real brokers of this machine, and cleanup of one namespace on them (tests never
reconfigure or flush the shared servers: they delete only what their namespace created)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
import nats
import redis
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from servicekit.processes import free_port

__all__ = ["BROKERS", "DurableRedis", "delete_namespace", "eventually", "namespace"]

BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
}


def namespace(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def delete_namespace(url: str, name: str, queues: list[str] | None = None) -> None:
    """Remove the streams / JetStream stream / exchange and queues of ``name``."""
    if url.startswith("redis"):
        client = Redis.from_url(url)
        keys = [key async for key in client.scan_iter(match=f"{name}.*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    elif url.startswith("nats"):
        connection = await nats.connect(url)
        with contextlib.suppress(NotFoundError):
            await connection.jetstream().delete_stream(name)
        await connection.close()
    else:
        connection = await aio_pika.connect(url)
        channel = await connection.channel()
        for queue in queues or []:
            await channel.queue_delete(queue)
        await channel.exchange_delete(name)
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


class DurableRedis:
    """A private redis-server on a free port with an fsync'd append-only file in ``folder``:
    the broker a fault test kills and restarts (never the shared one), its streams and
    consumer groups surviving the restart as a real broker's would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, limit: float = 15.0) -> DurableRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)]
        self._process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + limit
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.kill()
        raise TimeoutError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None
