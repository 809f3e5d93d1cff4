"""Redis dies under a running BFF (our own redis-server, never the shared one): screens stay
correct from the router, ``/ready`` says degraded; Redis comes back: caching resumes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.apps import running_bff
from tests.bff.conftest import Screen
from tests.bff.redis_server import PrivateRedis
from tests.bff.stack import BffStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("client", ["web", "mobile"])
async def test_redis_killed_and_restarted(
    bff_stack: BffStack, seed: SeedData, private_redis: PrivateRedis, client: str
) -> None:
    if client == "web":
        name, variables, answer = "HomePage", None, expected.home_page(seed)
    else:
        name, variables, answer = "Feed", {"first": 50}, expected.feed(seed, 50)
    async with running_bff(
        client,
        router_url=bff_stack.router_url,
        redis_url=private_redis.url,
        namespace="bff",
        supergraph_path=bff_stack.supergraph_path,
    ) as (http, runtime):
        screen = Screen(http, runtime, by_hash=client == "mobile")
        assert await screen.data(name, variables) == answer
        assert await screen.data(name, variables) == answer
        assert screen.last_router_requests == 0
        assert (await http.get("/ready")).json()["status"] == "ready"

        private_redis.kill()
        for _ in range(3):  # every request is answered, from the router
            assert await screen.data(name, variables) == answer
            assert screen.last_router_requests > 0
        ready = await http.get("/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "degraded"
        assert body["checks"]["router"] == {"ok": True, "url": bff_stack.router_url}
        assert body["checks"]["redis"]["ok"] is False
        assert body["checks"]["redis"]["required"] is False

        private_redis.start()
        await asyncio.sleep(0.3)  # the BFF's retry pause (0.2 s in tests)
        assert await screen.data(name, variables) == answer  # refills the cache
        assert screen.last_router_requests > 0
        assert await screen.data(name, variables) == answer
        assert screen.last_router_requests == 0
        assert (await http.get("/ready")).json()["status"] == "ready"
