"""Retry policy and helper, the concurrency bound, and single-flight deduplication (pure asyncio)."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from router.resilience import (
    ConcurrencyLimit,
    ConcurrencyLimitError,
    RetryPolicy,
    SingleFlight,
    TransientStatusError,
    is_transient,
    request_key,
    retry_async,
)
from tests.support.waiting import until


def test_backoff_is_full_jitter_under_a_capped_exponential() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_seconds=0.1, max_delay_seconds=0.5)
    rng, same = random.Random(7), random.Random(7)
    delays = [policy.backoff(n, rng) for n in range(1, 6)]
    ceilings = [0.1, 0.2, 0.4, 0.5, 0.5]
    assert delays == [same.uniform(0, c) for c in ceilings]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))


def test_only_queries_are_retried() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.may_retry("query") is True
    assert policy.may_retry("mutation") is False
    assert policy.may_retry("subscription") is False
    assert RetryPolicy(max_attempts=1).may_retry("query") is False


def test_transient_errors() -> None:
    assert is_transient(httpx.ConnectError("refused"))
    assert is_transient(httpx.ConnectTimeout("no connection"))
    assert not is_transient(httpx.ReadTimeout("slow"))  # the whole timeout is already spent
    assert is_transient(TransientStatusError(503))
    assert not is_transient(ValueError("bad"))
    ok = httpx.Response(500)
    assert TransientStatusError.raise_for(ok) is ok  # 500 is a failure, not a transient one
    with pytest.raises(TransientStatusError):
        TransientStatusError.raise_for(httpx.Response(502))


class Flaky:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


async def test_query_retried_until_success_with_recorded_pauses() -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    flaky = Flaky(2, TransientStatusError(503))
    policy = RetryPolicy(max_attempts=3, base_delay_seconds=0.1, max_delay_seconds=1)
    result = await retry_async(
        flaky, policy=policy, operation_type="query", sleep=sleep, rng=random.Random(1)
    )
    expected = random.Random(1)
    assert (result, flaky.calls) == ("ok", 3)
    assert pauses == [expected.uniform(0, 0.1), expected.uniform(0, 0.2)]


async def test_mutation_and_permanent_errors_are_not_retried() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay_seconds=0)
    mutation = Flaky(1, TransientStatusError(503))
    with pytest.raises(TransientStatusError):
        await retry_async(mutation, policy=policy, operation_type="mutation")
    assert mutation.calls == 1
    permanent = Flaky(1, ValueError("schema mismatch"))
    with pytest.raises(ValueError, match=r"^schema mismatch$"):
        await retry_async(permanent, policy=policy, operation_type="query")
    assert permanent.calls == 1
    exhausted = Flaky(5, httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError):
        await retry_async(exhausted, policy=policy, operation_type="query")
    assert exhausted.calls == 3


async def test_concurrency_limit_queues_then_rejects() -> None:
    limit = ConcurrencyLimit("products", max_in_flight=2, queue_timeout_seconds=0.05)
    release = asyncio.Event()

    async def hold() -> None:
        async with limit.slot():
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await until(lambda: limit.snapshot()["in_flight"] == 2, "both holders have a slot")
    assert limit.snapshot() == {"in_flight": 2, "waiting": 0, "max_in_flight": 2, "rejected": 0}
    with pytest.raises(ConcurrencyLimitError) as caught:
        async with limit.slot():
            pass
    assert caught.value.to_graphql_error()["extensions"] == {
        "code": "SUBGRAPH_OVERLOADED",
        "service": "products",
    }
    waiter = asyncio.create_task(hold())  # queued, gets a slot once one is free
    await until(lambda: limit.snapshot()["waiting"] == 1, "the third holder is queued")
    assert limit.snapshot()["waiting"] == 1
    release.set()
    await asyncio.gather(*holders, waiter)
    assert limit.snapshot() == {"in_flight": 0, "waiting": 0, "max_in_flight": 2, "rejected": 1}


async def test_single_flight_shares_one_execution() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    calls: list[str] = []
    gate = asyncio.Event()

    async def load(key: str) -> int:
        calls.append(key)
        await gate.wait()
        return len(calls)

    tasks = [asyncio.create_task(flight.do("a", lambda: load("a"))) for _ in range(5)]
    other = asyncio.create_task(flight.do("b", lambda: load("b")))
    await until(lambda: len(calls) == 2 and flight.shared == 4, "all six callers are in")
    assert flight.in_flight == 2
    gate.set()
    assert await asyncio.gather(*tasks) == [2, 2, 2, 2, 2]
    assert await other == 2
    assert (calls, flight.executions, flight.shared, flight.in_flight) == (["a", "b"], 2, 4, 0)
    assert await flight.do("a", lambda: load("a")) == 3  # finished calls are not cached


async def test_single_flight_shares_errors_and_survives_a_cancelled_waiter() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    gate = asyncio.Event()

    async def failing() -> str:
        await gate.wait()
        raise RuntimeError("subgraph down")

    first = asyncio.create_task(flight.do("k", failing))
    second = asyncio.create_task(flight.do("k", failing))
    await until(lambda: flight.shared == 1, "the second caller joined the first")
    first.cancel()
    gate.set()
    with pytest.raises(RuntimeError, match="subgraph down"):
        await second
    assert first.cancelled()


def test_request_key_is_canonical() -> None:
    a = request_key(
        "products", {"query": "{a}", "variables": {"x": 1, "y": 2}}, {"b": "2", "a": "1"}
    )
    b = request_key(
        "products", {"variables": {"y": 2, "x": 1}, "query": "{a}"}, {"a": "1", "b": "2"}
    )
    assert a == b
    assert a != request_key("reviews", {"query": "{a}", "variables": {"x": 1, "y": 2}}, {})
