"""The one way services open Redis (redis-py asyncio) and probe it for readiness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

__all__ = ["create_redis", "redis_probe"]


def create_redis(url: str, *, timeout_seconds: float = 0.5) -> Redis:
    """A client with short timeouts, so a dead Redis degrades a request instead of stalling it."""
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        health_check_interval=15,
        decode_responses=False,
    )


def redis_probe(client: Redis) -> Any:
    """A readiness probe for :func:`servicekit.health.health_routes`."""

    async def probe() -> Mapping[str, Any]:
        await client.ping()
        return {}

    return probe
