"""Rate limiting against real Redis: two limiter instances (two router processes) share one budget
atomically, keys per client and operation, refill, and a Redis killed mid-test degrades as set."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from router.limits.rate_limit import (
    RateLimitDecision,
    RedisRateLimiter,
    check_request_rate,
    client_key,
)
from router.limits.settings import RateLimitRule, RateLimitSettings
from servicekit.auth import ANONYMOUS, Principal
from servicekit.processes import free_port
from servicekit.redis import create_redis

FIVE_PER_10S = RateLimitRule(requests=5, per_seconds=10)


@pytest.fixture
async def two_clients(redis_url: str, redis_client: Redis) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two independent connections, like two router processes (keys cleaned by redis_client).
    Timeouts of 10 s, not the service's 0.5 s: on a loaded machine 40 concurrent connects can
    take longer, and a fail-open decision would be counted as a spent token."""
    first, second = (create_redis(redis_url, timeout_seconds=10) for _ in range(2))
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_two_limiters_share_one_budget(
    two_clients: tuple[Redis, Redis], redis_namespace: str
) -> None:
    limiters = [RedisRateLimiter(client, prefix=redis_namespace) for client in two_clients]
    decisions = [await limiters[n % 2].hit("ip:10.0.0.1", FIVE_PER_10S) for n in range(7)]
    assert decisions == [
        RateLimitDecision(True, 5, 4, 0),
        RateLimitDecision(True, 5, 3, 0),
        RateLimitDecision(True, 5, 2, 0),
        RateLimitDecision(True, 5, 1, 0),
        RateLimitDecision(True, 5, 0, 0),
        RateLimitDecision(False, 5, 0, 2),  # one token per 2 s
        RateLimitDecision(False, 5, 0, 2),
    ]
    assert decisions[5].headers() == {
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "0",
        "Retry-After": "2",
    }
    assert decisions[5].to_response().to_dict() == {
        "errors": [
            {
                "message": "Your request has been rate limited",
                "extensions": {"code": "REQUEST_RATE_LIMITED", "retryAfterSeconds": 2},
            }
        ]
    }


async def test_concurrent_hits_never_overspend(
    two_clients: tuple[Redis, Redis], redis_namespace: str
) -> None:
    limiters = [RedisRateLimiter(client, prefix=redis_namespace) for client in two_clients]
    rule = RateLimitRule(requests=10, per_seconds=60)
    decisions = await asyncio.gather(*(limiters[n % 2].hit("k", rule) for n in range(40)))
    assert [d.degraded for d in decisions] == [False] * 40
    assert sum(d.allowed for d in decisions) == 10


async def test_tokens_refill_over_time(redis_client: Redis, redis_namespace: str) -> None:
    """No race with the refill on a loaded machine: the bucket is drained in one atomic call,
    a refill takes 2 s (not the ~100 ms three calls used to have), and the refill is awaited by
    polling; only lower bounds on time are asserted (load can only make things later)."""
    limiter = RedisRateLimiter(redis_client, prefix=redis_namespace)
    rule = RateLimitRule(requests=2, per_seconds=4)  # one token every 2 s
    drained = time.monotonic()  # before Redis' TIME of the drain
    assert await limiter.hit("k", rule, cost=2) == RateLimitDecision(True, 2, 0, 0)
    assert await limiter.hit("k", rule) == RateLimitDecision(False, 2, 0, 2)
    refused = 1
    while not (decision := await limiter.hit("k", rule)).allowed:  # refusals spend nothing
        refused += 1
        assert time.monotonic() - drained < 30, "no token came back within 30 s"
        await asyncio.sleep(0.05)
    refilled_after = time.monotonic() - drained
    assert refilled_after >= 1.99, refilled_after  # Redis' TIME has millisecond steps
    assert decision == RateLimitDecision(True, 2, 0, 0)  # one token back, spent at once
    assert (await limiter.hit("k", rule)).allowed is False
    assert refused >= 2
    ttl = await redis_client.pttl(f"{redis_namespace}:k")
    assert 0 < ttl <= 5000  # capacity / rate + 1 s


async def test_budgets_per_client_and_named_operation(
    redis_client: Redis, redis_namespace: str
) -> None:
    settings = RateLimitSettings(
        anonymous=RateLimitRule(requests=3, per_seconds=60),
        authenticated=RateLimitRule(requests=5, per_seconds=60),
        per_operation={"PlaceOrder": RateLimitRule(requests=1, per_seconds=60)},
        key_prefix=redis_namespace,
    )
    limiter = RedisRateLimiter.from_settings(redis_client, settings)
    alice = Principal("alice")

    async def decide(principal: Principal, ip: str, operation: str | None) -> RateLimitDecision:
        decision = await check_request_rate(limiter, settings, principal, ip, operation)
        assert decision is not None
        return decision

    # invented operation names share the client's budget instead of getting their own
    assert [(await decide(ANONYMOUS, "1.1.1.1", f"Op{n}")).allowed for n in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert (await decide(ANONYMOUS, "2.2.2.2", "Op0")).allowed is True  # another IP
    assert await decide(alice, "1.1.1.1", "PlaceOrder") == RateLimitDecision(True, 1, 0, 0)
    # the operation's bucket is empty: refused, and the client's bucket is left untouched
    assert await decide(alice, "1.1.1.1", "PlaceOrder") == RateLimitDecision(False, 1, 0, 60)
    assert await decide(alice, "1.1.1.1", "Other") == RateLimitDecision(True, 5, 3, 0)
    keys = [k.decode() async for k in redis_client.scan_iter(f"{redis_namespace}:*")]
    assert sorted(keys) == [
        f"{redis_namespace}:ip:1.1.1.1",
        f"{redis_namespace}:ip:2.2.2.2",
        f"{redis_namespace}:sub:alice",
        f"{redis_namespace}:sub:alice:op:PlaceOrder",
    ]


async def test_no_rule_means_no_limit(redis_client: Redis, redis_namespace: str) -> None:
    limiter = RedisRateLimiter(redis_client, prefix=redis_namespace)
    assert (
        await check_request_rate(limiter, RateLimitSettings(), ANONYMOUS, "1.1.1.1", None) is None
    )
    assert client_key(ANONYMOUS, None) == "ip:unknown"
    assert client_key(Principal("u-1"), "1.1.1.1") == "sub:u-1"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private redis-server this test may kill (never the shared one)."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False
        ).stdout.strip()
        != b"PONG"
    ):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("private redis-server did not start")
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def test_redis_killed_mid_test_fails_open_or_closed_as_configured(
    own_redis: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = own_redis
    open_client, closed_client = (
        create_redis(url, timeout_seconds=0.3),
        create_redis(url, timeout_seconds=0.3),
    )
    fail_open = RedisRateLimiter(open_client)
    fail_closed = RedisRateLimiter(closed_client, fail_closed=True)
    try:
        assert await fail_open.hit("k", FIVE_PER_10S) == RateLimitDecision(True, 5, 4, 0)
        assert await fail_closed.hit("k", FIVE_PER_10S) == RateLimitDecision(True, 5, 3, 0)
        process.kill()
        process.wait(timeout=10)
        assert await fail_open.hit("k", FIVE_PER_10S) == RateLimitDecision(
            True, 5, 0, 0, degraded=True
        )
        assert await fail_closed.hit("k", FIVE_PER_10S) == RateLimitDecision(
            False, 5, 0, 1, degraded=True
        )
    finally:
        await open_client.aclose()
        await closed_client.aclose()
