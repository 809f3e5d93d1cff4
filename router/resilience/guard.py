"""One place that wraps every subgraph call: deduplicate identical in-flight queries, retry
transient query failures, wait for a concurrency slot, consult the circuit breaker, record the
outcome. The executor hands it a coroutine factory that sends one HTTP request (and raises for a
failure status, e.g. :meth:`TransientStatusError.raise_for`).

Order per attempt: slot (bounded wait) -> breaker permit (fail fast when open) -> call -> outcome.
Overload (no slot) and an open breaker are not retried: retrying them only adds load. A timeout
is a failure, and so is a call cut short by the request's deadline
(:mod:`router.resilience.deadline`); a call cancelled for another reason (the client left)
records no outcome. Recent timeouts are reported per subgraph (:mod:`router.resilience.timeouts`)
and make ``/ready`` *degraded* like an open breaker.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

from router.resilience.breaker import CircuitBreaker, Permit
from router.resilience.concurrency import ConcurrencyLimit
from router.resilience.deadline import deadline_passed
from router.resilience.retry import RetryPolicy, is_transient
from router.resilience.settings import ResilienceSettings
from router.resilience.singleflight import SingleFlight
from router.resilience.timeouts import TimeoutTracker, is_timeout
from servicekit.health import CheckFailed, ReadinessCheck

__all__ = ["SubgraphGuard", "SubgraphGuards"]

T = TypeVar("T")


class SubgraphGuard:
    def __init__(
        self,
        name: str,
        settings: ResilienceSettings,
        *,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        breaker = settings.breaker
        self.name = name
        self.settings = settings
        self.breaker: CircuitBreaker | None = None
        if breaker.enabled:
            options: dict[str, Any] = {"clock": clock} if clock else {}
            self.breaker = CircuitBreaker(
                name,
                window_seconds=breaker.window_seconds,
                minimum_requests=breaker.minimum_requests,
                failure_ratio=breaker.failure_ratio,
                consecutive_failures=breaker.consecutive_failures,
                open_seconds=breaker.open_seconds,
                half_open_probes=breaker.half_open_probes,
                **options,
            )
        self.limit = ConcurrencyLimit(
            name,
            max_in_flight=settings.concurrency.max_in_flight,
            queue_timeout_seconds=settings.concurrency.queue_timeout_seconds,
        )
        self.retry = RetryPolicy(
            max_attempts=settings.retry.max_attempts,
            base_delay_seconds=settings.retry.base_delay_seconds,
            max_delay_seconds=settings.retry.max_delay_seconds,
        )
        self.flight: SingleFlight[Hashable, Any] = SingleFlight()
        self.timeouts = TimeoutTracker(breaker.window_seconds, clock or time.monotonic)
        self.retries = 0
        """Attempts after the first, since start (``router_subgraph_retries_total``, read at
        scrape time: counting here costs the fetch nothing)."""
        self._rng = rng or random.Random()

    async def call(
        self,
        send: Callable[[], Awaitable[T]],
        *,
        operation_type: str,
        dedupe_key: Hashable | None = None,
        check: Callable[[T], T] | None = None,
    ) -> T:
        """Run ``send`` under the guard; ``dedupe_key`` shares identical in-flight queries;
        ``check`` reads each attempt's result and raises for a failure (a 5xx status), so the
        breaker counts it and a transient one is retried.

        The retries (:func:`~router.resilience.retry.retry_async`'s loop) and each attempt run
        in this one frame: it is entered once per subgraph fetch."""
        if dedupe_key is not None and operation_type == "query":
            result: T = await self.flight.do(
                dedupe_key, lambda: self.call(send, operation_type=operation_type, check=check)
            )
            return result
        policy = self.retry
        attempts = policy.max_attempts if policy.may_retry(operation_type) else 1
        limit = self.limit
        breaker = self.breaker
        number = 1
        while True:
            if not limit.try_acquire():  # a free slot: no coroutine, no generator per fetch
                await limit.acquire()
            try:
                permit = breaker.acquire() if breaker is not None else None
                try:
                    result = await send()
                    if check is not None:
                        result = check(result)
                except asyncio.CancelledError:
                    if deadline_passed():  # the request's deadline, not the client, cut it short
                        self._outcome(permit, success=False, timed_out=True)
                    elif permit is not None and breaker is not None:
                        breaker.release(permit)
                    raise
                except Exception as error:
                    self._outcome(permit, success=False, timed_out=is_timeout(error))
                    raise
                self._outcome(permit, success=True, timed_out=False)
                return result
            except Exception as error:
                if number >= attempts or not is_transient(error):
                    raise
            finally:
                limit.release()
            await asyncio.sleep(policy.backoff(number, self._rng))
            number += 1
            self.retries += 1

    def _outcome(self, permit: Permit | None, *, success: bool, timed_out: bool) -> None:
        self.timeouts.record(timed_out=timed_out)
        if permit is not None and self.breaker is not None:
            self.breaker.record(permit, success=success)

    def snapshot(self) -> dict[str, Any]:
        return {
            "breaker": self.breaker.snapshot() if self.breaker else None,
            "concurrency": self.limit.snapshot(),
            "deduplicated": self.flight.shared,
            "retries": self.retries,
            "timeouts": self.timeouts.snapshot(),
        }


class SubgraphGuards:
    """One guard per subgraph name, created on first use; ``snapshot()`` is the ``/ready`` detail."""

    def __init__(
        self, settings: ResilienceSettings, *, clock: Callable[[], float] | None = None
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._guards: dict[str, SubgraphGuard] = {}

    def __getitem__(self, name: str) -> SubgraphGuard:
        guard = self._guards.get(name)
        if guard is None:
            guard = self._guards[name] = SubgraphGuard(name, self.settings, clock=self._clock)
        return guard

    def snapshot(self) -> dict[str, Any]:
        return {name: guard.snapshot() for name, guard in sorted(self._guards.items())}

    def readiness_check(self) -> ReadinessCheck:
        """For ``servicekit.health.health_routes``: the snapshot as details (also while failing),
        and *degraded* (not unavailable: other subgraphs still answer) while any breaker is open
        or any subgraph's latest call timed out."""

        async def probe() -> Mapping[str, Any]:
            snapshot = self.snapshot()
            problems = _problems(snapshot)
            if problems:
                raise CheckFailed("; ".join(problems), {"subgraphs": snapshot})
            return {"subgraphs": snapshot}

        return ReadinessCheck(probe=probe, required=False)


def _problems(snapshot: Mapping[str, Any]) -> list[str]:
    opened = [
        name
        for name, details in snapshot.items()
        if details["breaker"] and details["breaker"]["state"] == "open"
    ]
    timing_out = [name for name, details in snapshot.items() if details["timeouts"]["timing_out"]]
    problems = [f"circuit open for {', '.join(opened)}"] if opened else []
    if timing_out:
        problems.append(f"timing out: {', '.join(timing_out)}")
    return problems
