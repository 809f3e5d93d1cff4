"""Development mode of the mobile BFF: free-form operations run (app developers iterate)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from tests.bff.apps import running_bff
from tests.bff.stack import BffStack

pytestmark = [pytest.mark.e2e]


async def test_development_mobile_accepts_free_form_operations(
    bff_stack: BffStack, redis_url: str, redis_namespace: str, redis_client: Redis
) -> None:
    async with running_bff(
        "mobile",
        router_url=bff_stack.router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        mode="development",
        supergraph_path=bff_stack.supergraph_path,
    ) as (http, _):
        response = await http.post("/graphql", json={"query": "{ feed(first: 1) { hasMore } }"})
    assert response.json() == {"data": {"feed": {"hasMore": True}}}
