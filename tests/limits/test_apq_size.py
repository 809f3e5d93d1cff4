"""Issue #11: 1.9 MB APQ registrations were stored in Redis for 24 h. A registration larger than
``http.apq.max_query_bytes`` is refused with a clear error and nothing is stored (real Redis)."""

from __future__ import annotations

import hashlib

import pytest
from redis.asyncio import Redis

from router.config import ApqConfig
from router.http.apq import ApqStore, resolve_query
from router.http.errors import HttpError


def _registration(query: str) -> dict[str, object]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_oversized_registration_is_refused_and_not_stored(
    redis_client: Redis, redis_namespace: str
) -> None:
    store = ApqStore(redis_client, key_prefix=f"{redis_namespace}:apq:", ttl_seconds=60)
    assert store.max_query_bytes == ApqConfig().max_query_bytes == 65_536
    huge = "{ topProducts { " + "name " * 380_000 + "} }"  # 1.9 MB, as in the review
    with pytest.raises(HttpError) as refused:
        await resolve_query(huge, _registration(huge), store)
    assert (refused.value.status, refused.value.code, str(refused.value)) == (
        400,
        "PERSISTED_QUERY_TOO_LARGE",
        "Persisted query too large: 1900019 bytes, more than the limit of 65536 bytes "
        "for a registration",
    )
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}*")] == []


async def test_registration_at_the_limit_is_stored(
    redis_client: Redis, redis_namespace: str
) -> None:
    store = ApqStore(
        redis_client, key_prefix=f"{redis_namespace}:apq:", ttl_seconds=60, max_query_bytes=64
    )
    query = "{ a }" + " " * 59  # exactly 64 bytes
    assert await resolve_query(query, _registration(query), store) == query
    digest = hashlib.sha256(query.encode()).hexdigest()
    assert await redis_client.get(f"{redis_namespace}:apq:{digest}") == query.encode()
