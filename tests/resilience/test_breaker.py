"""The circuit breaker's state machine on a manual clock."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from router.resilience import BreakerState, CircuitBreaker, CircuitOpenError, SubgraphGuards
from router.resilience.settings import BreakerSettings, ResilienceSettings
from servicekit.health import health_routes


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(
        "reviews",
        window_seconds=10,
        minimum_requests=4,
        failure_ratio=0.5,
        open_seconds=5,
        half_open_probes=1,
        clock=clock,
    )


def outcome(breaker: CircuitBreaker, success: bool) -> None:
    breaker.record(breaker.acquire(), success)


def test_stays_closed_below_the_minimum_request_count() -> None:
    breaker = make(Clock())
    for _ in range(3):
        outcome(breaker, False)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.snapshot() == {
        "state": "closed",
        "requests_in_window": 3,
        "failures_in_window": 3,
        "failure_ratio": 1.0,
        "consecutive_failures": 3,
        "retry_in_seconds": 0.0,
        "times_opened": 0,
    }


def test_opens_at_the_failure_ratio_and_fails_fast() -> None:
    clock = Clock()
    breaker = make(clock)
    for success in (True, True, False):
        outcome(breaker, success)
    assert breaker.state is BreakerState.CLOSED  # 1/3 failed, below minimum anyway
    outcome(breaker, False)  # 2 of 4 failed: ratio 0.5 reached
    assert breaker.state is BreakerState.OPEN
    clock.now += 2
    with pytest.raises(CircuitOpenError) as caught:
        breaker.acquire()
    assert caught.value.retry_after_seconds == 3
    assert caught.value.to_graphql_error() == {
        "message": "subgraph 'reviews' is unavailable (circuit open)",
        "extensions": {"code": "SUBGRAPH_CIRCUIT_OPEN", "service": "reviews"},
    }
    assert breaker.snapshot() == {
        "state": "open",
        "requests_in_window": 4,
        "failures_in_window": 2,
        "failure_ratio": 0.5,
        "consecutive_failures": 0,
        "retry_in_seconds": 3.0,
        "times_opened": 1,
    }


def test_old_outcomes_slide_out_of_the_window() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(3):
        outcome(breaker, False)
    clock.now += 10.5
    outcome(breaker, False)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.snapshot()["requests_in_window"] == 1


def open_breaker(clock: Clock) -> CircuitBreaker:
    breaker = make(clock)
    for _ in range(4):
        outcome(breaker, False)
    assert breaker.state is BreakerState.OPEN
    return breaker


def test_half_open_admits_one_probe_and_closes_on_success() -> None:
    clock = Clock()
    breaker = open_breaker(clock)
    clock.now += 5
    assert breaker.state is BreakerState.HALF_OPEN
    probe = breaker.acquire()
    with pytest.raises(CircuitOpenError):
        breaker.acquire()  # only one probe at a time
    breaker.record(probe, True)
    assert breaker.snapshot() == {
        "state": "closed",
        "requests_in_window": 0,
        "failures_in_window": 0,
        "failure_ratio": 0.0,
        "consecutive_failures": 0,
        "retry_in_seconds": 0.0,
        "times_opened": 1,
    }


def test_failed_probe_reopens_for_another_cool_down() -> None:
    clock = Clock()
    breaker = open_breaker(clock)
    clock.now += 5
    breaker.record(breaker.acquire(), False)
    assert breaker.state is BreakerState.OPEN
    assert breaker.snapshot()["times_opened"] == 2
    clock.now += 4.9
    assert breaker.state is BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN


def test_late_outcomes_of_calls_admitted_earlier_do_not_count() -> None:
    clock = Clock()
    breaker = make(clock)
    slow = breaker.acquire()  # admitted while closed
    for _ in range(4):
        outcome(breaker, False)
    clock.now += 5
    breaker.record(slow, True)  # finishes during half-open: not a probe
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_cancelled_probe_frees_its_place() -> None:
    clock = Clock()
    breaker = open_breaker(clock)
    clock.now += 5
    breaker.release(breaker.acquire())
    breaker.record(breaker.acquire(), True)
    assert breaker.state is BreakerState.CLOSED


async def test_guards_report_through_the_ready_route() -> None:
    clock = Clock()
    settings = ResilienceSettings(breaker=BreakerSettings(minimum_requests=1, failure_ratio=1))
    guards = SubgraphGuards(settings, clock=clock)
    app = Starlette(routes=health_routes({"subgraphs": guards.readiness_check()}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        guards["products"]  # created on first use
        ready = (await client.get("/ready")).json()
        breaker = guards["reviews"].breaker
        assert breaker is not None
        breaker.record(breaker.acquire(), False)
        degraded = await client.get("/ready")
    assert ready["status"] == "ready"
    assert ready["checks"]["subgraphs"]["subgraphs"]["products"]["breaker"]["state"] == "closed"
    assert degraded.status_code == 200
    assert degraded.json() == {
        "status": "degraded",
        "checks": {
            "subgraphs": {
                "ok": False,
                "required": False,
                "error": "circuit open for reviews",
                "subgraphs": guards.snapshot(),  # the details stay visible while failing
            }
        },
    }
    assert (
        degraded.json()["checks"]["subgraphs"]["subgraphs"]["reviews"]["breaker"]["state"] == "open"
    )


def test_consecutive_failures_open_it_at_low_volume() -> None:
    """Issue #11: a quiet router in front of a hung subgraph never reached ``minimum_requests``
    (20 by default); ``consecutive_failures`` opens the breaker after that many in a row, and a
    success in between starts the count again."""
    clock = Clock()
    breaker = CircuitBreaker(
        "slow", minimum_requests=20, failure_ratio=0.5, consecutive_failures=3, clock=clock
    )
    for success in (False, False, True, False, False):
        outcome(breaker, success)
    assert (breaker.state, breaker.snapshot()["consecutive_failures"]) == (BreakerState.CLOSED, 2)
    outcome(breaker, False)
    assert breaker.snapshot() == {
        "state": "open",
        "requests_in_window": 6,
        "failures_in_window": 5,
        "failure_ratio": 0.8333,
        "consecutive_failures": 0,
        "retry_in_seconds": 5.0,
        "times_opened": 1,
    }
