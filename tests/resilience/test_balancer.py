"""Client-side load balancing (issue #19, ``router.resilience.balancer``): least outstanding
requests with round robin ties, ejection on a connection failure or three 5xx in a row,
readmission after the (growing) ejection time, panic mode, pools that survive a registry update.
A hand-driven clock; the sends are coroutines that answer or raise like the transport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from router.resilience.balancer import LoadBalancer

A, B = "http://a/graphql", "http://b/graphql"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def balancer(clock: Clock) -> LoadBalancer:
    lb = LoadBalancer(consecutive_failures=3, ejection_seconds=2.0, clock=clock)
    lb.set_pools({"products": [A, B]})
    return lb


async def ok(url: str) -> tuple[int, bytes]:
    return 200, url.encode()


async def refused(url: str) -> tuple[int, bytes]:
    raise httpx.ConnectError("connection refused")


async def unavailable(url: str) -> tuple[int, bytes]:
    return 503, b""


async def sent_to(lb: LoadBalancer, count: int) -> list[str]:
    return [(await lb.call("products", "http://primary", ok))[1].decode() for _ in range(count)]


async def test_round_robin_among_equally_loaded_and_least_outstanding_first() -> None:
    lb = balancer(Clock())
    assert await sent_to(lb, 4) == [B, A, B, A]
    release = asyncio.Event()
    seen: list[str] = []

    async def slow(url: str) -> tuple[int, bytes]:
        seen.append(url)
        await release.wait()
        return 200, b""

    first = asyncio.create_task(lb.call("products", "http://primary", slow))
    while not seen:  # noqa: ASYNC110
        await asyncio.sleep(0)
    assert seen == [B]
    assert await sent_to(lb, 3) == [A, A, A]  # B has one in flight
    release.set()
    await first


async def test_a_connection_failure_ejects_at_once_then_readmits_after_growing_pauses() -> None:
    clock = Clock()
    lb = balancer(clock)
    assert await sent_to(lb, 1) == [B]
    with pytest.raises(httpx.ConnectError):
        await lb.call("products", "http://primary", refused)  # A refused
    assert [e["ejected"] for e in lb.snapshot()["products"]] == [True, False]
    assert await sent_to(lb, 3) == [B, B, B]
    clock.now += 2.0  # readmitted; fails again: out for twice as long
    with pytest.raises(httpx.ConnectError):
        await lb.call("products", "http://primary", refused)
    clock.now += 3.9
    assert await sent_to(lb, 2) == [B, B]
    clock.now += 0.1
    assert set(await sent_to(lb, 2)) == {A, B}  # back, and its success resets the pauses
    assert lb.snapshot()["products"][0] == {
        "url": A,
        "ejected": False,
        "ejections": 2,
        "outstanding": 0,
        "requests": 3,
    }


async def test_three_unavailable_answers_in_a_row_eject_and_all_ejected_means_panic() -> None:
    lb = balancer(Clock())
    for _ in range(6):  # alternating: three 503s each
        assert (await lb.call("products", "http://primary", unavailable))[0] == 503
    assert [e["ejected"] for e in lb.snapshot()["products"]] == [True, True]
    assert sorted(await sent_to(lb, 2)) == [A, B]  # every endpoint ejected: use them anyway


async def test_without_a_pool_the_url_is_used_and_pools_keep_their_state() -> None:
    clock = Clock()
    lb = balancer(clock)
    assert (await lb.call("reviews", "http://reviews/graphql", ok))[1] == b"http://reviews/graphql"
    with pytest.raises(httpx.ConnectError):
        await lb.call("products", "http://primary", refused)
    ejected = lb.snapshot()["products"][1]["url"]
    lb.set_pools({"products": [A, B, "http://c/graphql"]})
    assert [e["ejected"] for e in lb.snapshot()["products"] if e["url"] == ejected] == [True]
    lb.set_pools({})
    assert (await lb.call("products", "http://primary", ok))[1] == b"http://primary"
