"""Login under attack, over a real accounts process and real Redis: failed logins are throttled
per username and per client (``LOGIN_THROTTLED`` with ``retryAfter`` and a ``Retry-After``
header), and a flood of wrong logins does not stall unrelated queries, since Argon2 runs in
worker threads (issue #11, "Login and rate limiting")."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from subgraphs.accounts.seed import DEMO_PASSWORD
from subgraphs.seeding import SeedSizes, generate
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
ALICE, BOB = SEED.users[0], SEED.users[1]
LOGIN = "mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { user { id } } }"
INVALID = {
    "data": None,
    "errors": [
        {
            "message": "invalid username or password",
            "locations": [{"line": 1, "column": 40}],
            "path": ["login"],
            "extensions": {"code": "INVALID_CREDENTIALS"},
        }
    ],
}


def _accounts(tmp_path: Path, **settings: str) -> Any:
    env = {f"ACCOUNTS_{name.upper()}": value for name, value in settings.items()}
    return running_stack(
        tmp_path, ["accounts"], extra_env={"accounts": env}, ready_timeout_seconds=180
    )


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with _accounts(
        tmp_path_factory.mktemp("throttle"),
        login_max_failures_per_username="3",
        login_max_failures_per_client="8",
        login_window_seconds="120",
    ) as stack:
        yield stack


def login(url: str, username: str, password: str) -> tuple[int, Any, str | None]:
    response = httpx.post(
        url, json={"query": LOGIN, "variables": {"u": username, "p": password}}, timeout=60
    )
    return response.status_code, response.json(), response.headers.get("retry-after")


def _throttled(body: Any, by: str) -> int:
    error = body["errors"][0]
    retry_after = error["extensions"]["retryAfter"]
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"too many failed logins for this {by}; retry in {retry_after} s",
                "locations": [{"line": 1, "column": 40}],
                "path": ["login"],
                "extensions": {"code": "LOGIN_THROTTLED", "retryAfter": retry_after, "by": by},
            }
        ],
    }
    assert 1 <= retry_after <= 120
    return int(retry_after)


def test_failed_logins_are_throttled_per_username_then_per_client(
    throttled: RunningStack,
) -> None:
    url = throttled.urls["accounts"]
    for _ in range(3):
        assert login(url, ALICE.username, "wrong-password") == (200, INVALID, None)
    # the 4th try is refused before any hashing, even with the right password
    status, body, header = login(url, ALICE.username, DEMO_PASSWORD)
    assert (status, header) == (200, str(_throttled(body, "username")))
    # Bob is not locked out by Alice's failures, and his success clears nothing of hers
    assert login(url, BOB.username, DEMO_PASSWORD)[1] == {
        "data": {"login": {"user": {"id": str(BOB.id)}}}
    }
    for index in range(5):  # 3 + 5 failures from this client reach its limit of 8
        assert login(url, f"nobody-{index}", "wrong-password") == (200, INVALID, None)
    status, body, header = login(url, BOB.username, DEMO_PASSWORD)
    assert (status, header) == (200, str(_throttled(body, "client")))


@pytest.fixture(scope="module")
def unthrottled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with _accounts(
        tmp_path_factory.mktemp("flood"),
        login_max_failures_per_username="1000000",
        login_max_failures_per_client="1000000",
    ) as stack:
        yield stack


async def _flood(url: str, stop: asyncio.Event, client: httpx.AsyncClient) -> list[Any]:
    answers = []
    while not stop.is_set():
        variables = {"u": ALICE.username, "p": "wrong-password"}
        response = await client.post(url, json={"query": LOGIN, "variables": variables})
        answers.append(response.json())
    return answers


async def _probe(url: str, count: int, client: httpx.AsyncClient) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.post(url, json={"query": '{ user(id: "1") { id } }'})
        latencies.append(time.perf_counter() - started)
        assert response.json() == {"data": {"user": {"id": "1"}}}
        await asyncio.sleep(0.05)
    return latencies


async def test_an_unrelated_query_stays_fast_during_a_login_flood(
    unthrottled: RunningStack,
) -> None:
    url = unthrottled.urls["accounts"]
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        quiet = await _probe(url, 10, client)
        stop = asyncio.Event()
        flood = [asyncio.create_task(_flood(url, stop, client)) for _ in range(24)]
        await asyncio.sleep(1.0)  # the flood is running: 24 logins in flight at all times
        during = await _probe(url, 30, client)
        stop.set()
        answers = [answer for task in flood for answer in await task]
    assert answers and all(answer == INVALID for answer in answers)
    p50, p90 = statistics.median(during), statistics.quantiles(during, n=10)[-1]
    print(
        f"\nlogin flood: {len(answers)} wrong logins; unrelated query quiet p50 "
        f"{statistics.median(quiet) * 1000:.0f} ms, during flood p50 {p50 * 1000:.0f} ms, "
        f"p90 {p90 * 1000:.0f} ms, max {max(during) * 1000:.0f} ms"
    )
    # the machine's own noise is the yardstick: the quiet latency measured in this run
    bound = max(0.5, 5 * statistics.median(quiet))
    assert p90 < bound, f"p90 {p90:.3f} s during the flood (bound {bound:.3f} s)"
