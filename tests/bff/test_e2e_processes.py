"""Both BFFs as their console scripts (``bff-web``, ``bff-mobile``): real processes over real
HTTP in front of our router, configured only by ``BFF_WEB_*`` / ``BFF_MOBILE_*`` variables."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.conftest import MOBILE_OPERATIONS, WEB_OPERATIONS
from tests.bff.processes import running_bff_process

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def web_process(bff_stack, redis_url, redis_namespace, tmp_path) -> Iterator[str]:
    with running_bff_process(
        "web", bff_stack, redis_url, redis_namespace, "development", tmp_path
    ) as url:
        yield url


@pytest.fixture
def mobile_process(bff_stack, redis_url, redis_namespace, tmp_path) -> Iterator[str]:
    with running_bff_process(
        "mobile", bff_stack, redis_url, redis_namespace, "production", tmp_path
    ) as url:
        yield url


async def test_web_process_serves_screens_and_counts_router_requests(
    web_process: str, seed: SeedData, redis_client: Redis
) -> None:
    """``redis_client`` (tests/conftest.py) deletes the namespace's keys afterwards."""
    async with httpx.AsyncClient(base_url=web_process) as http:
        ready = (await http.get("/ready")).json()
        assert ready["status"] == "ready"
        assert ready["checks"]["redis"]["ok"] is True
        counts = []
        for _ in range(2):
            before = (await http.get("/debug/stats")).json()["router_requests"]
            response = await http.post("/graphql", json={"query": WEB_OPERATIONS["HomePage"].body})
            assert response.json() == {"data": expected.home_page(seed)}
            counts.append((await http.get("/debug/stats")).json()["router_requests"] - before)
        assert counts == [2, 0]


async def test_mobile_process_runs_only_its_manifest(
    mobile_process: str, seed: SeedData, redis_client: Redis
) -> None:
    feed = MOBILE_OPERATIONS["Feed"]
    async with httpx.AsyncClient(base_url=mobile_process) as http:
        known = await http.post(
            "/graphql",
            json={
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": feed.id}},
                "variables": {"first": 3},
            },
        )
        unknown = await http.post("/graphql", json={"query": feed.body.replace("name", "")})
        stats = await http.get("/debug/stats")
    assert (known.status_code, known.json()) == (200, {"data": expected.feed(seed, 3)})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_IN_LIST"}
    assert stats.status_code == 404
