"""The request deadline (``router.resilience.deadline``) and the guard: a subgraph call cut short
by the deadline is a timeout of that subgraph; one cancelled because the client left is nothing.
In process (the end-to-end cases are in ``test_hung_subgraph_e2e.py``)."""

from __future__ import annotations

import asyncio

import pytest

from router.resilience import SubgraphGuards
from router.resilience.deadline import deadline_passed, request_deadline
from router.resilience.settings import ResilienceSettings

NO_TIMEOUT = {"timing_out": False, "timeouts_in_window": 0, "timeouts_total": 0}


async def _hang() -> str:
    await asyncio.sleep(30)
    return "never"


async def test_a_call_cut_by_the_deadline_is_a_timeout_failure() -> None:
    guard = SubgraphGuards(ResilienceSettings())["slow"]
    with pytest.raises(TimeoutError):
        async with request_deadline(0.05) as deadline:
            await guard.call(_hang, operation_type="mutation")
    assert deadline is not None and deadline.expired()
    snapshot = guard.snapshot()
    assert snapshot["timeouts"] == {
        "timing_out": True,
        "timeouts_in_window": 1,
        "timeouts_total": 1,
    }
    assert (
        snapshot["breaker"]["failures_in_window"],
        snapshot["breaker"]["consecutive_failures"],
    ) == (1, 1)
    assert deadline_passed() is False  # outside the block there is no deadline any more


async def test_a_call_the_client_abandoned_records_nothing() -> None:
    guard = SubgraphGuards(ResilienceSettings())["slow"]
    call = asyncio.create_task(guard.call(_hang, operation_type="mutation"))
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    snapshot = guard.snapshot()
    assert (snapshot["timeouts"], snapshot["breaker"]["requests_in_window"]) == (NO_TIMEOUT, 0)


async def test_no_deadline_configured() -> None:
    async with request_deadline(None) as deadline:
        assert (deadline, deadline_passed()) == (None, False)
