"""RedisCache against real Redis: MGET/pipeline round trips, TTLs, tags, and Redis going away."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bff.cache import CacheEntry, RedisCache, is_missing
from servicekit.redis import create_redis
from tests.bff.redis_server import PrivateRedis


def make_cache(client: Redis, namespace: str, bff: str = "web") -> RedisCache:
    cache = RedisCache(client, namespace=namespace, bff=bff, retry_seconds=0.2)
    cache.schema_version = "v1"
    return cache


async def test_get_many_reports_misses_then_hits(redis_client: Redis, redis_namespace: str) -> None:
    cache = make_cache(redis_client, redis_namespace)
    first = await cache.get_many("Product", ["1", "2"])
    assert [is_missing(v) for v in first] == [True, True]
    await cache.set_many("Product", {"1": {"upc": "1"}, "2": None}, 60)
    values = await cache.get_many("Product", ["1", "2", "3"])
    assert values[:2] == [{"upc": "1"}, None]
    assert is_missing(values[2])
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (2, 3, 2)
    ttl = await redis_client.ttl(f"{redis_namespace}:web:v1:Product:1")
    assert 0 < ttl <= 60


async def test_keys_are_versioned_by_schema(redis_client: Redis, redis_namespace: str) -> None:
    cache = make_cache(redis_client, redis_namespace)
    await cache.set_many("Product", {"1": {"name": "old shape"}}, 60)
    cache.schema_version = "v2"
    assert is_missing((await cache.get_many("Product", ["1"]))[0])


async def test_unknown_schema_version_disables_caching(
    redis_client: Redis, redis_namespace: str
) -> None:
    cache = make_cache(redis_client, redis_namespace)
    cache.schema_version = None
    await cache.set_many("Product", {"1": {"upc": "1"}}, 60)
    assert [k async for k in redis_client.scan_iter(match=f"{redis_namespace}*")] == []


async def test_tags_invalidate_across_bffs(redis_client: Redis, redis_namespace: str) -> None:
    web = make_cache(redis_client, redis_namespace, "web")
    mobile = make_cache(redis_client, redis_namespace, "mobile")
    await web.set_many(
        "Card", {"1": {"a": 1}, "2": {"a": 2}}, 60, {"1": ["Product:1"], "2": ["Product:2"]}
    )
    await mobile.set_many("Tile", {"1": {"b": 1}}, 60, {"1": ["Product:1"]})
    deleted = await web.invalidate_tags(["Product:1"])
    assert deleted == 3  # two cached entries and the tag set itself
    assert is_missing((await web.get_many("Card", ["1"]))[0])
    assert is_missing((await mobile.get_many("Tile", ["1"]))[0])
    assert (await web.get_many("Card", ["2"])) == [{"a": 2}]


async def test_a_write_back_never_undoes_an_invalidation_made_after_its_read(
    redis_client: Redis, redis_namespace: str
) -> None:
    """The race behind a stale order status: a read misses, the router answers PENDING, the
    OrderStatusChanged event invalidates the tag, then the read writes PENDING back. Before the
    fix the write-back restored the stale value for its whole TTL."""
    web = make_cache(redis_client, redis_namespace, "web")
    mobile = make_cache(redis_client, redis_namespace, "mobile")
    before = await web.read([("Orders", "u1"), ("Card", "2"), ("Card", "3")])
    assert [is_missing(v) for v in before.values] == [True, True, True]

    assert await mobile.invalidate_tags(["UserOrders:u1"]) == 0  # nothing cached yet
    await web.set_entries(
        [
            CacheEntry("Orders", "u1", [{"status": "PENDING"}], 60, ("UserOrders:u1",)),
            CacheEntry("Card", "2", {"a": 2}, 60, ("Product:2",)),
            CacheEntry("Card", "3", {"a": 3}, 60),
        ],
        read_generation=before.generation,
    )
    after = await web.get_many("Orders", ["u1"])
    assert is_missing(after[0])
    assert await web.get_many("Card", ["2", "3"]) == [{"a": 2}, {"a": 3}]
    assert (web.stats.writes, web.stats.stale_writes) == (2, 1)

    # a read that began after the invalidation writes back as usual
    again = await web.read([("Orders", "u1")])
    await web.set_entries(
        [CacheEntry("Orders", "u1", [{"status": "CONFIRMED"}], 60, ("UserOrders:u1",))],
        read_generation=again.generation,
    )
    assert await web.get_many("Orders", ["u1"]) == [[{"status": "CONFIRMED"}]]
    # and is itself invalidated by the next change
    assert await mobile.invalidate_tags(["UserOrders:u1"]) == 2
    assert is_missing((await web.get_many("Orders", ["u1"]))[0])


async def test_raw_values_for_apq(redis_client: Redis, redis_namespace: str) -> None:
    cache = make_cache(redis_client, redis_namespace)
    cache.schema_version = None  # APQ documents do not depend on the schema version
    await cache.set_raw("apq:abc", b"{ __typename }", 60)
    assert await cache.get_raw("apq:abc") == b"{ __typename }"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.kill()


async def test_redis_down_is_a_miss_and_recovery_resumes(private_redis: PrivateRedis) -> None:
    client = create_redis(private_redis.url)
    cache = make_cache(client, "bfftest")
    try:
        await cache.set_many("P", {"1": {"x": 1}}, 60)
        assert await cache.get_many("P", ["1"]) == [{"x": 1}]
        await cache.probe()

        private_redis.kill()
        assert is_missing((await cache.get_many("P", ["1"]))[0])
        await cache.set_many("P", {"2": {"x": 2}}, 60)  # swallowed, logged
        assert await cache.invalidate_tags(["P:1"]) == 0
        with pytest.raises((RedisError, OSError)):
            await cache.probe()
        assert cache.status()["last_error"] is not None
        assert cache.stats.errors >= 2

        private_redis.start()  # an empty server: the old entries are gone
        await asyncio.sleep(0.25)  # the retry pause passes
        assert is_missing((await cache.get_many("P", ["1"]))[0])
        await cache.set_many("P", {"1": {"x": 3}}, 60)
        assert await cache.get_many("P", ["1"]) == [{"x": 3}]
        assert cache.status()["last_error"] is None
    finally:
        await client.aclose()


async def test_invalidation_missed_during_an_outage_happens_before_the_next_read(
    private_redis: PrivateRedis,
) -> None:
    """Redis unreachable but not restarted (paused): its entries survive, so the tags a
    mutation could not delete are deleted before anything is read again."""
    client = create_redis(private_redis.url, timeout_seconds=0.3)
    admin = create_redis(private_redis.url, timeout_seconds=30)
    cache = make_cache(client, "bfftest")
    try:
        await cache.set_many("P", {"1": {"stock": 5}, "2": {"stock": 9}}, 60, {"1": ["Product:1"]})
        # a pause far longer than the client's 0.3 s timeout; no sleep guesses its end: the
        # admin's read below is held by the server until the pause is over
        await admin.execute_command("CLIENT", "PAUSE", "3000", "ALL")
        assert await cache.invalidate_tags(["Product:1"]) == 0  # timed out
        assert await admin.get("bfftest:web:v1:P:1") is not None  # still in Redis
        values = await cache.get_many("P", ["1", "2"])
        assert is_missing(values[0])
        assert values[1] == {"stock": 9}
        assert await admin.get("bfftest:web:v1:P:1") is None
    finally:
        await client.aclose()
        await admin.aclose()
