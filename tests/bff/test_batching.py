"""The step batcher's error path over real Redis, with recorded router answers (issue #11, #12).

The router reports an error inside a failed entity fetch with Apollo's ``"@"`` for "every item"
(``["e0", "@", "orders"]``), not an index; the batcher read only integer segments, so the null
item was returned as a plain null (no error) and cached. Now the load fails with the router's
error and nothing from an answer with errors is written to Redis.
"""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
from graphql import parse
from redis.asyncio import Redis

from bff.cache import RedisCache
from bff.loaders import Loaders
from bff.router_client import RouterClient, RouterError
from bff.specs import EntitySpec, RootTemplate, operation_named

PIECES = parse(
    """
query Orders($keys: [ID!]!) { usersById(ids: $keys) { id orders(first: 100) { id } } }
query Top($first: Int!) { topProducts(first: $first) { upc } }
"""
)
ORDERS = EntitySpec("Orders", operation_named(PIECES, "Orders"), 30, "UserOrders")
TOP = RootTemplate(operation_named(PIECES, "Top"))
ORDERS_ERROR = {
    "message": "this field needs the caller's identity",
    "path": ["e0", "@", "orders"],
    "extensions": {"code": "UNAUTHENTICATED"},
}
DOWN_ERROR = {
    "message": "HTTP fetch failed from 'products'",
    "path": ["r1_0", "@"],
    "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "products"},
}


class RecordedRouter:
    """Answers each step with the next recorded body; keeps what was asked."""

    def __init__(self, answers: list[dict[str, object]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(orjson.loads(request.content))
        return httpx.Response(200, content=orjson.dumps(self.answers.pop(0)))


def _loaders(redis: Redis, namespace: str, router: RecordedRouter) -> Loaders:
    cache = RedisCache(redis, namespace=namespace, bff="web")
    cache.schema_version = "v1"
    client = RouterClient("http://router.test/graphql", transport=httpx.MockTransport(router))
    return Loaders(cache, client, {})


async def _step(loaders: Loaders) -> list[object]:
    results = await asyncio.gather(
        loaders.one(ORDERS, "3"), loaders.root_field(TOP.call(30, first=2)), return_exceptions=True
    )
    return [
        (type(r).__name__, str(r), r.extensions) if isinstance(r, RouterError) else r
        for r in results
    ]


@pytest.mark.parametrize("path", [["e0", "@", "orders"], ["e0", 0, "orders"], None])
async def test_a_nulled_entity_fails_its_load_and_is_not_cached(
    redis_client: Redis, redis_namespace: str, path: list[object] | None
) -> None:
    error = {k: v for k, v in {**ORDERS_ERROR, "path": path}.items() if v is not None}
    router = RecordedRouter(
        [
            {"data": {"e0": [None], "r1_0": [{"upc": "1"}]}, "errors": [error]},
            {"data": {"e0": [{"id": "3", "orders": []}], "r1_0": [{"upc": "1"}]}},
        ]
    )
    failed = ("RouterError", ORDERS_ERROR["message"], {"code": "UNAUTHENTICATED"})
    # the root field's value arrived and is served (even beside an error without a path)
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [failed, [{"upc": "1"}]]
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}*")] == []
    # the next request asks the router again and caches the complete answer
    fresh = _loaders(redis_client, redis_namespace, router)
    assert await _step(fresh) == [{"id": "3", "orders": []}, [{"upc": "1"}]]
    assert len(router.requests) == 2
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [
        {"id": "3", "orders": []},
        [{"upc": "1"}],
    ]  # from Redis: no third router request (the recorded answers are used up)


async def test_a_failed_root_field_fails_only_its_load(
    redis_client: Redis, redis_namespace: str
) -> None:
    router = RecordedRouter(
        [{"data": {"e0": [{"id": "3", "orders": []}], "r1_0": None}, "errors": [DOWN_ERROR]}]
    )
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [
        {"id": "3", "orders": []},
        (
            "RouterError",
            DOWN_ERROR["message"],
            {"code": "SUBREQUEST_HTTP_ERROR", "service": "products"},
        ),
    ]
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}*")] == []
    assert router.requests == [
        {
            "query": "query BffStep($e0_keys: [ID!]!, $r1_0_first: Int!) {\n"
            "  e0: usersById(ids: $e0_keys) {\n    id\n    orders(first: 100) {\n      id\n"
            "    }\n  }\n  r1_0: topProducts(first: $r1_0_first) {\n    upc\n  }\n}",
            "variables": {"e0_keys": ["3"], "r1_0_first": 2},
            "operationName": "BffStep",
        }
    ]
