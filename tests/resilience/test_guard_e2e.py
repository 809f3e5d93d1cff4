"""The subgraph guard against a real HTTP server process that fails, hangs and slows down on
command: breaker opening and recovering, query-only retries, the concurrency bound, timeouts and
in-flight deduplication, counted from the server's side."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.resilience import (
    CircuitOpenError,
    ConcurrencyLimitError,
    SubgraphGuards,
    TransientStatusError,
    request_key,
)
from router.resilience.settings import (
    BreakerSettings,
    ConcurrencySettings,
    ResilienceSettings,
    RetrySettings,
)
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    spec = ProcessSpec(
        name="flaky",
        argv=[sys.executable, "-m", "tests.resilience.fixtures.flaky_server", "--port", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    log_path: Path = tmp_path_factory.mktemp("flaky") / "server.log"
    with ManagedProcess(spec, log_path=log_path):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def http(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=0.5) as client:
        await client.post("/control", json={"mode": "ok", "delay_seconds": 0, "fail_next": 0})
        yield client
        await client.post("/control", json={"mode": "ok", "delay_seconds": 0, "fail_next": 0})


async def received(http: httpx.AsyncClient) -> int:
    return int((await http.get("/stats")).json()["requests"])


def settings(**overrides: Any) -> ResilienceSettings:
    values: dict[str, Any] = {
        "breaker": BreakerSettings(
            window_seconds=30, minimum_requests=4, failure_ratio=0.5, open_seconds=0.3
        ),
        "retry": RetrySettings(max_attempts=2, base_delay_seconds=0.01, max_delay_seconds=0.02),
        "concurrency": ConcurrencySettings(max_in_flight=8, queue_timeout_seconds=1),
    }
    values.update(overrides)
    return ResilienceSettings(**values)


def fetch(http: httpx.AsyncClient, query: str = "{ a }") -> Any:
    async def send() -> Any:
        response = TransientStatusError.raise_for(
            await http.post("/graphql", json={"query": query})
        )
        response.raise_for_status()
        return response.json()

    return send


async def test_breaker_opens_on_failures_stops_traffic_and_recovers(
    http: httpx.AsyncClient,
) -> None:
    guards = SubgraphGuards(settings(retry=RetrySettings(max_attempts=1)))
    guard = guards["reviews"]
    before = await received(http)
    assert (await guard.call(fetch(http), operation_type="query"))["data"]["echo"] == "{ a }"

    await http.post("/control", json={"mode": "fail", "status": 500})
    for _ in range(3):
        with pytest.raises(httpx.HTTPStatusError):
            await guard.call(fetch(http), operation_type="query")
    assert guards.snapshot()["reviews"]["breaker"]["state"] == "open"  # 3 of 4 failed
    sent = await received(http)
    for _ in range(5):
        with pytest.raises(CircuitOpenError):
            await guard.call(fetch(http), operation_type="query")
    assert await received(http) == sent == before + 4  # open: nothing reached the subgraph

    await http.post("/control", json={"mode": "ok"})
    await asyncio.sleep(0.35)  # cool-down over: the next call is the probe
    assert (await guard.call(fetch(http), operation_type="query"))["data"]["echo"] == "{ a }"
    assert guards.snapshot() == {
        "reviews": {
            "breaker": {
                "state": "closed",
                "requests_in_window": 0,
                "failures_in_window": 0,
                "failure_ratio": 0.0,
                "consecutive_failures": 0,
                "retry_in_seconds": 0.0,
                "times_opened": 1,
            },
            "concurrency": {"in_flight": 0, "waiting": 0, "max_in_flight": 8, "rejected": 0},
            "deduplicated": 0,
            "retries": 0,
            "timeouts": {"timing_out": False, "timeouts_in_window": 0, "timeouts_total": 0},
        }
    }


async def test_transient_failure_retried_for_queries_only(http: httpx.AsyncClient) -> None:
    guard = SubgraphGuards(settings())["products"]
    before = await received(http)
    await http.post("/control", json={"fail_next": 1, "status": 503})
    answer = await guard.call(fetch(http), operation_type="query")
    assert answer == {"data": {"echo": "{ a }", "n": before + 2}}  # second attempt answered
    assert guard.retries == 1

    await http.post("/control", json={"fail_next": 1, "status": 503})
    with pytest.raises(TransientStatusError):
        await guard.call(fetch(http, "mutation { m }"), operation_type="mutation")
    assert await received(http) == before + 3  # the mutation was sent exactly once
    assert guard.retries == 1


async def test_a_hanging_subgraph_times_out_and_counts_as_failure(http: httpx.AsyncClient) -> None:
    guard = SubgraphGuards(settings(retry=RetrySettings(max_attempts=2, base_delay_seconds=0)))[
        "inventory"
    ]
    await http.post("/control", json={"mode": "hang"})
    with pytest.raises(httpx.ReadTimeout):
        await guard.call(fetch(http), operation_type="query")
    # a read timeout is a failure, and is not retried (issue #11: a retry doubled the time a
    # hung subgraph held the request)
    snapshot = guard.snapshot()
    assert (snapshot["breaker"]["failures_in_window"], snapshot["timeouts"]) == (
        1,
        {"timing_out": True, "timeouts_in_window": 1, "timeouts_total": 1},
    )


async def test_concurrency_bound_rejects_what_cannot_get_a_slot(http: httpx.AsyncClient) -> None:
    bound = ConcurrencySettings(max_in_flight=2, queue_timeout_seconds=0.1)
    guard = SubgraphGuards(settings(concurrency=bound))["accounts"]
    await http.post("/control", json={"delay_seconds": 0.3})
    results = await asyncio.gather(
        *(guard.call(fetch(http, f"{{ q{n} }}"), operation_type="query") for n in range(3)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["dict", "dict", "ConcurrencyLimitError"]
    assert isinstance(results[2], ConcurrencyLimitError)
    assert guard.snapshot()["concurrency"]["rejected"] == 1


async def test_identical_in_flight_queries_are_sent_once(http: httpx.AsyncClient) -> None:
    guard = SubgraphGuards(settings())["reviews"]
    await http.post("/control", json={"delay_seconds": 0.2})
    before = await received(http)
    body = {"query": "{ topProducts { upc } }"}
    key = request_key("reviews", body, {})
    results = await asyncio.gather(
        *(
            guard.call(fetch(http, body["query"]), operation_type="query", dedupe_key=key)
            for _ in range(5)
        )
    )
    assert results == [{"data": {"echo": body["query"], "n": before + 1}}] * 5
    assert await received(http) == before + 1
    assert guard.snapshot()["deduplicated"] == 4
    mutations = await asyncio.gather(
        *(
            guard.call(fetch(http, "mutation { m }"), operation_type="mutation", dedupe_key=key)
            for _ in range(2)
        )
    )
    assert len(mutations) == 2
    assert await received(http) == before + 3  # mutations are never shared
