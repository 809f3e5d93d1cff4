"""A subgraph dies under the web BFF and comes back (issue #12), over real processes: our own
reviews service and router (the session's stack stays whole), the other four subgraphs, real Redis.

With reviews down, ``productPage { name stockQuantity }`` answered ``{"productPage": null}``
without any error, although none of those fields come from reviews, and the null stayed in Redis
after reviews came back (22 s). Now: the fields that do not need reviews are answered in full; the
rating carries the router's own error at ``productPage.rating``; nothing from an answer with
errors is cached, so the page is whole again as soon as the router can reach reviews.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from redis.asyncio import Redis

from servicekit.processes import ManagedProcess
from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.apps import running_bff
from tests.bff.stack import (
    BFF_SEED_SIZES,
    READY_SECONDS,
    SECRET,
    BffStack,
    compose_supergraph,
    router_process,
)
from tests.support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

UPC_WARM, UPC = "100000000021", "100000000022"
STOCK = f'{{ productPage(upc: "{UPC}") {{ name stockQuantity }} }}'
RATED = f'{{ productPage(upc: "{UPC}") {{ name rating {{ count average }} }} }}'


@dataclass
class OwnStack:
    router_url: str
    reviews: ManagedProcess
    supergraph: Path


@pytest.fixture
def own_stack(bff_stack: BffStack, tmp_path: Path) -> Iterator[OwnStack]:
    """Our reviews service (same seed) and a router over it and the session's other subgraphs."""
    if bff_stack.subgraph_urls is None:
        pytest.fail("needs the session's own subgraphs (unset BFF_TEST_ROUTER_URL)")
    env = {"reviews": {"IDENTITY_HMAC_SECRET": SECRET}}
    with running_stack(
        tmp_path,
        ["reviews"],
        sizes=BFF_SEED_SIZES,
        extra_env=env,
        ready_timeout_seconds=READY_SECONDS,
    ) as reviews:
        urls = {**bff_stack.subgraph_urls, "reviews": reviews.urls["reviews"]}
        supergraph = compose_supergraph(urls, tmp_path / "supergraph.graphql")
        router = router_process(
            supergraph, tmp_path, _without_low_volume_breaker(bff_stack, tmp_path)
        )
        with router.start(ready_timeout_seconds=READY_SECONDS):
            url = router.spec.ready_url.removesuffix("/health") + "/graphql"
            yield OwnStack(url, reviews.processes["reviews"], supergraph)


def _without_low_volume_breaker(bff_stack: BffStack, tmp_path: Path) -> Path:
    """The session's router config with the breaker's consecutive-failures rule off, so every
    request while reviews is down meets the same connection error (the BFF's answer is compared
    with the router's own, asked separately; the breaker is tested in tests/resilience)."""
    config = yaml.safe_load((bff_stack.folder / "router.yaml").read_text())
    security = config.setdefault("security", {})
    breaker = security.setdefault("resilience", {}).setdefault("breaker", {})
    breaker["consecutive_failures"] = 0
    path = tmp_path / "router.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _router_rating(router_url: str) -> dict[str, Any]:
    query = f'{{ productsByUpc(upcs: ["{UPC}"]) {{ reviewSummary {{ count }} }} }}'
    return dict(httpx.post(router_url, json={"query": query}, timeout=30).json())


async def _until_router_reaches_reviews(router_url: str, seconds: float = 30.0) -> None:
    """The router's breaker and connection pool decide when reviews is reachable again."""
    deadline = time.monotonic() + seconds
    while "errors" in await asyncio.to_thread(_router_rating, router_url):
        if time.monotonic() > deadline:
            raise AssertionError("the router did not reach the restarted reviews service")
        await asyncio.sleep(0.25)


async def test_reviews_down_then_back(
    own_stack: OwnStack,
    seed: SeedData,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
) -> None:
    page = expected.product_page(seed, UPC)["productPage"]
    stock = {"name": page["name"], "stockQuantity": page["stockQuantity"]}
    rated = {"name": page["name"], "rating": page["rating"]}
    async with running_bff(
        "web",
        router_url=own_stack.router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        supergraph_path=own_stack.supergraph,
    ) as (http, _):

        async def ask(query: str) -> tuple[int, Any]:
            response = await http.post("/graphql", json={"query": query})
            return response.status_code, response.json()

        warm = STOCK.replace(UPC, UPC_WARM)
        warm_page = expected.product_page(seed, UPC_WARM)["productPage"]
        assert await ask(warm) == (
            200,
            {"data": {"productPage": {k: warm_page[k] for k in ("name", "stockQuantity")}}},
        )

        own_stack.reviews.kill()
        assert await ask(STOCK) == (200, {"data": {"productPage": stock}})
        router_error = _router_rating(own_stack.router_url)["errors"][0]
        assert router_error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
        assert await ask(RATED) == (
            200,
            {
                "data": {"productPage": None},  # rating is non-null in the web schema
                "errors": [
                    {
                        "message": router_error["message"],
                        "locations": [{"line": 1, "column": 43}],
                        "path": ["productPage", "rating"],
                        "extensions": router_error["extensions"],
                    }
                ],
            },
        )

        own_stack.reviews.start(ready_timeout_seconds=READY_SECONDS)
        await _until_router_reaches_reviews(own_stack.router_url)
        assert await ask(RATED) == (200, {"data": {"productPage": rated}})
        assert await ask(STOCK) == (200, {"data": {"productPage": stock}})
