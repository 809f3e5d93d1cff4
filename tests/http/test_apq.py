"""Apollo's APQ protocol over real Redis (key prefix per test), in process over graphql-core."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from redis.asyncio import Redis

from router.http import ApqStore
from servicekit.processes import free_port
from servicekit.redis import create_redis
from tests.http.conftest import AppClientFactory
from tests.http.test_graphql_over_http import GRJ, whole

QUERY = "query Hello { hello }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
HELLO = {"data": {"hello": "Hello, world!"}}


def persisted(sha256_hash: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hash}}


async def test_unknown_hash_is_persisted_query_not_found(
    make_client: AppClientFactory, apq_store: ApqStore
) -> None:
    response = await make_client(apq=apq_store).post("/graphql", json={"extensions": persisted()})
    assert whole(response) == (200, GRJ, NOT_FOUND)
    assert response.headers["cache-control"] == "private, no-cache, must-revalidate"


async def test_register_then_run_by_hash(
    make_client: AppClientFactory,
    apq_store: ApqStore,
    redis_client: Redis,
    redis_namespace: str,
) -> None:
    client = make_client(apq=apq_store)
    registered = await client.post("/graphql", json={"query": QUERY, "extensions": persisted()})
    assert whole(registered) == (200, GRJ, HELLO)
    by_hash = await client.post("/graphql", json={"extensions": persisted()})
    assert whole(by_hash) == (200, GRJ, HELLO)
    key = f"{redis_namespace}:apq:{HASH}"
    assert await redis_client.get(key) == QUERY.encode()
    assert 0 < await redis_client.ttl(key) <= 60


async def test_get_with_apq(make_client: AppClientFactory, apq_store: ApqStore) -> None:
    client = make_client(apq=apq_store)
    extensions = orjson.dumps(persisted()).decode()
    missing = await client.get("/graphql", params={"extensions": extensions})
    assert whole(missing) == (200, GRJ, NOT_FOUND)
    registered = await client.get("/graphql", params={"query": QUERY, "extensions": extensions})
    assert whole(registered) == (200, GRJ, HELLO)
    by_hash = await client.get("/graphql", params={"extensions": extensions})
    assert whole(by_hash) == (200, GRJ, HELLO)


async def test_hash_mismatch_is_400_and_nothing_runs(
    make_client: AppClientFactory, apq_store: ApqStore, executor: Any
) -> None:
    client = make_client(apq=apq_store)
    response = await client.post("/graphql", json={"query": "{ hello }", "extensions": persisted()})
    assert whole(response) == (
        400,
        GRJ,
        {
            "errors": [
                {
                    "message": "provided sha does not match query",
                    "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
                }
            ]
        },
    )
    assert executor.requests == []
    still_missing = await client.post("/graphql", json={"extensions": persisted()})
    assert whole(still_missing) == (200, GRJ, NOT_FOUND)


async def test_malformed_persisted_query_is_400(
    make_client: AppClientFactory, apq_store: ApqStore
) -> None:
    response = await make_client(apq=apq_store).post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": HASH}}}
    )
    assert whole(response) == (
        400,
        GRJ,
        {
            "errors": [
                {
                    "message": 'Invalid persisted query: expected {"version": 1, "sha256Hash": <64 hex digits>}',
                    "extensions": {"code": "INVALID_GRAPHQL_REQUEST"},
                }
            ]
        },
    )


async def test_apq_disabled_is_persisted_query_not_supported(
    make_client: AppClientFactory,
) -> None:
    response = await make_client(apq=None).post("/graphql", json={"extensions": persisted()})
    assert whole(response) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": "PersistedQueryNotSupported",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
                }
            ]
        },
    )


async def test_redis_down_degrades(make_client: AppClientFactory) -> None:
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    store = ApqStore(dead, key_prefix="unused:", ttl_seconds=60)
    client = make_client(apq=store)
    try:
        with_query = await client.post("/graphql", json={"query": QUERY, "extensions": persisted()})
        assert whole(with_query) == (200, GRJ, HELLO)
        by_hash = await client.post("/graphql", json={"extensions": persisted()})
        assert whole(by_hash) == (200, GRJ, NOT_FOUND)
        plain = await client.post("/graphql", json={"query": QUERY})
        assert whole(plain) == (200, GRJ, HELLO)
    finally:
        await dead.aclose()
