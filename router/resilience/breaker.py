"""A circuit breaker per subgraph (Nygard, "Release It!"; the state machine resilience4j and
Envoy's outlier detection use).

Closed: calls flow and outcomes go into a sliding time window; once the window holds at least
``minimum_requests`` outcomes and the failure ratio reaches ``failure_ratio``, the breaker opens;
it also opens after ``consecutive_failures`` failures in a row, at any volume (Envoy's
``consecutive_5xx`` outlier rule: a hung subgraph behind a quiet router is noticed after a few
timeouts, not after twenty). Open: calls fail fast with :class:`CircuitOpenError` for ``open_seconds``. Half-open: up to
``half_open_probes`` calls probe the subgraph; a successful probe closes the breaker with an empty
window, a failed one opens it again. Outcomes of calls admitted before a state change do not count
for the new state (permits carry a generation). ``snapshot()`` feeds ``/ready`` and metrics.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from router.resilience.errors import CircuitOpenError

__all__ = ["BreakerState", "CircuitBreaker", "Permit"]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Permit:
    """Admission of one call; hand it back with the outcome."""

    generation: int
    probe: bool


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        window_seconds: float = 10.0,
        minimum_requests: int = 20,
        failure_ratio: float = 0.5,
        consecutive_failures: int = 0,
        open_seconds: float = 5.0,
        half_open_probes: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.window_seconds = window_seconds
        self.minimum_requests = minimum_requests
        self.failure_ratio = failure_ratio
        self.consecutive_failures = consecutive_failures
        self.open_seconds = open_seconds
        self.half_open_probes = half_open_probes
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._window: deque[tuple[float, bool]] = deque()
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self._generation = 0
        self._failures_in_a_row = 0
        self.times_opened = 0
        self._permit = Permit(0, probe=False)

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._remaining_open() <= 0:
            self._transition(BreakerState.HALF_OPEN)
        return self._state

    def acquire(self) -> Permit:
        """Admit a call or raise :class:`CircuitOpenError`."""
        state = self._state if self._state is BreakerState.CLOSED else self.state
        if state is BreakerState.OPEN:
            raise CircuitOpenError(self.name, self._remaining_open())
        if state is BreakerState.HALF_OPEN:
            if self._probes_in_flight >= self.half_open_probes:
                raise CircuitOpenError(self.name, 0.0)
            self._probes_in_flight += 1
            return Permit(self._generation, probe=True)
        permit = self._permit
        if permit.generation != self._generation:  # immutable: one per generation, not per call
            permit = self._permit = Permit(self._generation, probe=False)
        return permit

    def record(self, permit: Permit, success: bool) -> None:
        """The outcome of an admitted call."""
        if permit.generation != self._generation:
            return
        if permit.probe:
            self._probes_in_flight -= 1
            self._transition(BreakerState.CLOSED if success else BreakerState.OPEN)
            return
        self._failures_in_a_row = 0 if success else self._failures_in_a_row + 1
        now = self._clock()
        self._window.append((now, not success))
        self._prune(now)
        if not success and self._should_open():
            self._transition(BreakerState.OPEN)

    def release(self, permit: Permit) -> None:
        """Give back a permit without an outcome (the caller was cancelled)."""
        if permit.probe and permit.generation == self._generation:
            self._probes_in_flight -= 1

    def snapshot(self) -> dict[str, Any]:
        state = self.state
        self._prune(self._clock())
        requests = len(self._window)
        failures = sum(failed for _, failed in self._window)
        return {
            "state": state.value,
            "requests_in_window": requests,
            "failures_in_window": failures,
            "failure_ratio": round(failures / requests, 4) if requests else 0.0,
            "consecutive_failures": self._failures_in_a_row,
            "retry_in_seconds": round(max(0.0, self._remaining_open()), 3)
            if state is BreakerState.OPEN
            else 0.0,
            "times_opened": self.times_opened,
        }

    def _remaining_open(self) -> float:
        return self._opened_at + self.open_seconds - self._clock()

    def _prune(self, now: float) -> None:
        while self._window and self._window[0][0] <= now - self.window_seconds:
            self._window.popleft()

    def _should_open(self) -> bool:
        threshold = self.consecutive_failures
        if threshold and self._failures_in_a_row >= threshold:
            return True
        requests = len(self._window)
        failures = sum(failed for _, failed in self._window)
        return requests >= self.minimum_requests and failures / requests >= self.failure_ratio

    def _transition(self, state: BreakerState) -> None:
        self._state = state
        self._generation += 1
        self._probes_in_flight = 0
        self._failures_in_a_row = 0
        if state is BreakerState.OPEN:
            self._opened_at = self._clock()
            self.times_opened += 1
        if state is BreakerState.CLOSED:
            self._window.clear()
