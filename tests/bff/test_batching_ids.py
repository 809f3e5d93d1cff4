"""The step batcher with ``router_persisted_ids`` (issue #18): one client batch of ids per step,
the answers mapped to loads exactly as the aliased ``BffStep`` answer (``test_batching.py``).

Real Redis; the router's answers are recorded (an error inside one piece, a piece refused in its
own slot, a refused batch), so each error path is exercised deterministically; the end-to-end
path through a real safelisting router is ``test_e2e_mobile_persisted_ids.py``.
"""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from bff.cache import RedisCache
from bff.loaders import Loaders
from bff.persisted_step import merge_piece_answers
from bff.router_client import RouterClient
from tests.bff.test_batching import DOWN_ERROR, ORDERS, ORDERS_ERROR, TOP, RecordedRouter, _step

IDS = {"Orders": "a" * 64, "Top": "b" * 64}
CLIENT = {"apollographql-client-name": "bff-mobile", "apollographql-client-version": "0.1.0"}


def _loaders(redis: Redis, namespace: str, router: RecordedRouter) -> Loaders:
    cache = RedisCache(redis, namespace=namespace, bff="mobile")
    cache.schema_version = "v1"
    client = RouterClient(
        "http://router.test/graphql",
        transport=httpx.MockTransport(router),
        client_name="bff-mobile",
        client_version="0.1.0",
        operation_ids=IDS,
    )
    return Loaders(cache, client, {})


def _persisted(name: str, variables: dict[str, object]) -> dict[str, object]:
    return {
        "operationName": name,
        "variables": variables,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": IDS[name]}},
    }


STEP = [_persisted("Orders", {"keys": ["3"]}), _persisted("Top", {"first": 2})]
"""What the step of :func:`tests.bff.test_batching._step` sends: one batch, ids, no text."""


@pytest.mark.parametrize("path", [["usersById", "@", "orders"], ["usersById", 0, "orders"], None])
async def test_a_nulled_entity_fails_its_load_and_is_not_cached(
    redis_client: Redis, redis_namespace: str, path: list[object] | None
) -> None:
    error = {k: v for k, v in {**ORDERS_ERROR, "path": path}.items() if v is not None}
    router = RecordedRouter(
        [
            [
                {"data": {"usersById": [None]}, "errors": [error]},
                {"data": {"topProducts": [{"upc": "1"}]}},
            ],
            [
                {"data": {"usersById": [{"id": "3", "orders": []}]}},
                {"data": {"topProducts": [{"upc": "1"}]}},
            ],
        ]
    )
    failed = ("RouterError", ORDERS_ERROR["message"], {"code": "UNAUTHENTICATED"})
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [failed, [{"upc": "1"}]]
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}*")] == []
    fresh = _loaders(redis_client, redis_namespace, router)
    assert await _step(fresh) == [{"id": "3", "orders": []}, [{"upc": "1"}]]
    assert router.requests == [STEP, STEP]
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [
        {"id": "3", "orders": []},
        [{"upc": "1"}],
    ]  # from Redis


async def test_a_failed_piece_fails_only_its_load(
    redis_client: Redis, redis_namespace: str
) -> None:
    down = {**DOWN_ERROR, "path": ["topProducts", "@"]}
    router = RecordedRouter(
        [[{"data": {"usersById": [{"id": "3", "orders": []}]}}, {"data": None, "errors": [down]}]]
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
    assert router.requests == [STEP]


async def test_a_piece_refused_in_its_slot_fails_only_its_load(
    redis_client: Redis, redis_namespace: str
) -> None:
    """A request error of one operation (no path: here the router's safelist refusal) concerns
    that piece only; in one ``BffStep`` text it would have failed the whole step."""
    refused = {
        "message": f"Persisted query '{IDS['Top']}' not found in the persisted query list",
        "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
    }
    router = RecordedRouter(
        [[{"data": {"usersById": [{"id": "3", "orders": []}]}}, {"errors": [refused]}]]
    )
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [
        {"id": "3", "orders": []},
        ("RouterError", refused["message"], {"code": "PERSISTED_QUERY_NOT_IN_LIST"}),
    ]


async def test_a_refused_batch_fails_the_whole_step(
    redis_client: Redis, redis_namespace: str
) -> None:
    """Batching off on the router: its one error answers the batch, every load of the step fails."""
    off = {
        "message": "Batching is not enabled on this router",
        "extensions": {"code": "BATCHING_NOT_ENABLED"},
    }
    router = RecordedRouter([{"errors": [off]}])
    failed = ("RouterError", off["message"], {"code": "BATCHING_NOT_ENABLED"})
    assert await _step(_loaders(redis_client, redis_namespace, router)) == [failed, failed]


async def test_each_batch_names_the_client(redis_client: Redis, redis_namespace: str) -> None:
    seen: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append({k: v for k, v in request.headers.items() if k.startswith("apollographql")})
        return httpx.Response(
            200,
            json=[{"data": {"usersById": [None]}}, {"data": {"topProducts": []}}],
        )

    cache = RedisCache(redis_client, namespace=redis_namespace, bff="mobile")
    client = RouterClient(
        "http://router.test/graphql",
        transport=httpx.MockTransport(answer),
        client_name="bff-mobile",
        client_version="0.1.0",
        operation_ids=IDS,
    )
    assert await _step(Loaders(cache, client, {})) == [None, []]
    assert seen == [CLIENT]
    assert (client.stats.requests, client.stats.operations, client.stats.by_id) == (1, 2, 2)


def test_merge_renames_paths_to_aliases() -> None:
    pieces = [("e0", ORDERS.operation), ("r1_0", TOP.operation)]
    answers = [
        {"data": {"usersById": [None]}, "errors": [{"message": "x", "path": ["usersById", 0]}]},
        {"data": {"topProducts": [{"upc": "1"}]}, "errors": [{"message": "y"}]},
    ]
    assert merge_piece_answers(pieces, answers) == {
        "data": {"e0": [None], "r1_0": [{"upc": "1"}]},
        "errors": [{"message": "x", "path": ["e0", 0]}, {"message": "y", "path": ["r1_0"]}],
    }


async def test_a_step_longer_than_the_batch_limit_is_split(
    redis_client: Redis, redis_namespace: str
) -> None:
    """``router_batch_max_size`` 1: the two pieces go as two batches of one, answers in order."""
    router = RecordedRouter(
        [[{"data": {"usersById": [{"id": "3", "orders": []}]}}], [{"data": {"topProducts": []}}]]
    )
    cache = RedisCache(redis_client, namespace=redis_namespace, bff="mobile")
    cache.schema_version = "v1"
    client = RouterClient(
        "http://router.test/graphql",
        transport=httpx.MockTransport(router),
        operation_ids=IDS,
        max_batch_size=1,
    )
    assert await _step(Loaders(cache, client, {})) == [{"id": "3", "orders": []}, []]
    assert router.requests == [[STEP[0]], [STEP[1]]]
    assert (client.stats.requests, client.stats.operations) == (2, 2)
