"""A supergraph change under running BFFs: the router hot-reloads it, the BFF's next schema poll
sees a new hash, and the cache keys change with it (no entry of the old shape is read)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.apps import running_bff
from tests.bff.conftest import Screen
from tests.bff.stack import BffStack, router_process

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _add_product_field(supergraph: str) -> str:
    """A new (unrequested) field on Product, resolved by the products subgraph."""
    changed, count = re.subn(
        r"(type Product\n(?:  @join__type\([^)]*\)\n)+\{\n)",
        r"\1  bffProbe: String @join__field(graph: PRODUCTS)\n",
        supergraph,
    )
    if count != 1:
        raise AssertionError("the supergraph's Product type was not found")
    return changed


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while not condition():  # noqa: ASYNC110 (set by the BFF's own poller task)
            await asyncio.sleep(0.2)


async def test_schema_change_changes_the_cache_version(
    bff_stack: BffStack,
    seed: SeedData,
    tmp_path: Path,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
) -> None:
    composed = bff_stack.folder / "supergraph.graphql"
    if not composed.exists():
        pytest.skip("BFF_TEST_ROUTER_URL: an external router, no supergraph file here to change")
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(composed.read_text())
    with router_process(supergraph, tmp_path, bff_stack.folder / "router.yaml") as router:
        router_url = router.spec.ready_url.removesuffix("/health") + "/graphql"
        async with running_bff(
            "mobile",
            router_url=router_url,
            redis_url=redis_url,
            namespace=redis_namespace,
            schema_poll_seconds=0.3,
            supergraph_path=supergraph,
        ) as (http, runtime):
            screen = Screen(http, runtime, by_hash=True)
            answer = expected.feed(seed, 5)
            assert await screen.data("Feed", {"first": 5}) == answer
            assert await screen.data("Feed", {"first": 5}) == answer
            assert screen.last_router_requests == 0
            old_version = runtime.cache.schema_version

            supergraph.write_text(_add_product_field(supergraph.read_text()))

            await _until(lambda: runtime.cache.schema_version not in (None, old_version))
            assert await screen.data("Feed", {"first": 5}) == answer
            assert screen.last_router_requests == 2  # a new key space: cold again
            assert await screen.data("Feed", {"first": 5}) == answer
            assert screen.last_router_requests == 0
