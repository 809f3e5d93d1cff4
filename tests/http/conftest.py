"""In-process fixtures: the router's HTTP app over :class:`SchemaExecutor`, driven by httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from redis.asyncio import Redis

from router.config import RouterConfig
from router.http import ApqStore, create_app
from router.http.executor import Executor
from tests.http.schema_executor import SchemaExecutor

AppClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
def executor() -> SchemaExecutor:
    return SchemaExecutor()


@pytest.fixture
async def make_client(
    executor: SchemaExecutor,
) -> AsyncIterator[AppClientFactory]:
    """Build an app for a config (and optional APQ store / executor) and an httpx client on it."""
    clients: list[httpx.AsyncClient] = []

    def factory(
        config: RouterConfig | None = None,
        *,
        apq: ApqStore | None = None,
        app_executor: Executor | None = None,
    ) -> httpx.AsyncClient:
        app = create_app(app_executor or executor, config or RouterConfig(), apq=apq)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://router.test"
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
def apq_store(redis_client: Redis, redis_namespace: str) -> ApqStore:
    return ApqStore(redis_client, key_prefix=f"{redis_namespace}:apq:", ttl_seconds=60)
