"""The one way services create outbound HTTP clients (httpx) and probe HTTP dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from servicekit.aiohttp_transport import AiohttpTransport

__all__ = ["create_http_client", "http_probe"]


def create_http_client(
    *,
    base_url: str = "",
    timeout_seconds: float = 30.0,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
    aiohttp_transport: bool = False,
) -> httpx.AsyncClient:
    """A keep-alive pooled client; ``transport`` is the seam tests use for recorded answers.

    ``aiohttp_transport``: move the bytes with aiohttp (``servicekit.aiohttp_transport``, about
    4x less CPU per request than httpx's own transport) when no ``transport`` is given.
    """
    if transport is None and aiohttp_transport:
        transport = AiohttpTransport(max_connections=max_connections)
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        transport=transport,
    )


def http_probe(client: httpx.AsyncClient, url: str) -> Any:
    """A readiness probe: ``url`` must answer with a status below 500."""

    async def probe() -> Mapping[str, Any]:
        response = await client.get(url, timeout=2.0)
        if response.status_code >= 500:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return {}

    return probe
