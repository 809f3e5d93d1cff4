"""Issue #11, "a hung subgraph": a real router process in front of a subgraph process whose
``/slow`` never answers in time.

* Timeouts are breaker failures, and the breaker opens at low volume: after
  ``consecutive_failures`` (default 5) timed-out requests the next one fails fast with
  ``SUBGRAPH_CIRCUIT_OPEN`` instead of waiting out the timeout again, and ``/ready`` says
  *degraded*, naming the subgraph as open and timing out. Before the fix the breaker needed 20
  requests in its window, so every request waited the whole timeout and ``/ready`` said the
  breakers were fine.
* One deadline bounds the whole request (``traffic_shaping.router.timeout_seconds``): 504
  ``GATEWAY_TIMEOUT`` when it passes, and the fetch it cut short counts as a timeout of that
  subgraph. Before the fix the section did not exist (the router refused the configuration).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.http.edge_processes import FlakySubgraph, flaky_subgraph, whole
from tests.http.router_process import RunningRouter, running_router

SLOW = {"query": "{ slow }"}
GRJ = "application/graphql-response+json; charset=utf-8"
TIMED_OUT = (
    '{"errors":[{"message":"Your request has been timed out","extensions":'
    '{"code":"GATEWAY_TIMEOUT","service":"slow"}}],"data":{"slow":null}}'
)
CIRCUIT_OPEN = (
    '{"errors":[{"message":"subgraph \'slow\' is unavailable (circuit open)","extensions":'
    '{"code":"SUBGRAPH_CIRCUIT_OPEN","service":"slow"}}],"data":{"slow":null}}'
)


@pytest.fixture(scope="module")
def subgraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlakySubgraph]:
    with flaky_subgraph(tmp_path_factory.mktemp("hung"), delay_seconds=60) as running:
        yield running


def _answer(body: str) -> tuple[int, dict[str, str], str]:
    return (
        200,
        {
            "server": "uvicorn",
            "vary": "Origin",
            "content-length": str(len(body)),
            "content-type": GRJ,
        },
        body,
    )


def _timed(router: RunningRouter) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = httpx.post(router.graphql_url, json=SLOW, timeout=60)
    return time.monotonic() - started, response


def _breakers(router: RunningRouter) -> tuple[str, dict[str, Any]]:
    ready = httpx.get(f"{router.url}/ready", timeout=30).json()
    return ready["status"], ready["checks"]["breakers"]


def test_timeouts_open_the_breaker_at_low_volume(subgraph: FlakySubgraph, tmp_path: Path) -> None:
    config = {"http": {"redis_url": None}, "all_subgraphs": {"timeout_seconds": 0.5}}
    with running_router(tmp_path, supergraph=subgraph.supergraph_url, config=config) as router:
        timed_out = [_timed(router) for _ in range(5)]
        _, failed_fast = _timed(router)
        status, breakers = _breakers(router)
    # the sixth request meets the open breaker (before the fix: a sixth timeout)
    assert failed_fast.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_CIRCUIT_OPEN"
    assert [whole(response) for _, response in timed_out] == [_answer(TIMED_OUT)] * 5
    assert all(elapsed >= 0.5 for elapsed, _ in timed_out)
    assert whole(failed_fast) == _answer(CIRCUIT_OPEN)  # no subgraph call: the breaker answered
    assert status == "degraded"
    slow = breakers["subgraphs"]["slow"]
    assert {key: breakers[key] for key in ("ok", "required", "error")} == {
        "ok": False,
        "required": False,
        "error": "circuit open for slow; timing out: slow",
    }
    assert slow["timeouts"] == {"timing_out": True, "timeouts_in_window": 5, "timeouts_total": 5}
    breaker = dict(slow["breaker"])
    assert 0 < breaker.pop("retry_in_seconds") <= 5
    assert breaker == {
        "state": "open",
        "requests_in_window": 5,
        "failures_in_window": 5,
        "failure_ratio": 1.0,
        "consecutive_failures": 0,
        "times_opened": 1,
    }


def test_request_deadline_answers_504_and_counts_as_a_timeout(
    subgraph: FlakySubgraph, tmp_path: Path
) -> None:
    config = {
        "http": {"redis_url": None},
        "all_subgraphs": {"timeout_seconds": 30, "deduplicate_queries": False},
        "traffic_shaping": {"router": {"timeout_seconds": 1.0}},
    }
    with running_router(tmp_path, supergraph=subgraph.supergraph_url, config=config) as router:
        elapsed, response = _timed(router)
        fine = httpx.post(router.graphql_url, json={"query": "{ ok }"}, timeout=30)
        status, breakers = _breakers(router)
    body = (
        '{"errors":[{"message":"Your request has been timed out",'
        '"extensions":{"code":"GATEWAY_TIMEOUT"}}]}'
    )
    assert whole(response) == (
        504,
        {
            "server": "uvicorn",
            "vary": "Origin",
            "content-length": str(len(body)),
            "content-type": GRJ,
        },
        body,
    )
    assert 1.0 <= elapsed < 10  # the deadline, not the 30 s subgraph timeout
    assert whole(fine) == _answer('{"data":{"ok":"fine"}}')
    assert status == "degraded"
    assert breakers["error"] == "timing out: slow"
    slow = breakers["subgraphs"]["slow"]
    assert slow["timeouts"] == {"timing_out": True, "timeouts_in_window": 1, "timeouts_total": 1}
    assert (slow["breaker"]["state"], slow["breaker"]["consecutive_failures"]) == ("closed", 1)
