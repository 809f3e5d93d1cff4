"""Client-side load balancing across a subgraph's replicas, with passive health checks.

A subgraph the registry knows several routing URLs for gets a pool; each fetch goes to the
endpoint with the fewest requests in flight (ties broken round robin: Envoy's
``LEAST_REQUEST`` with power-of-all choices). Passive health, like Envoy's outlier detection: a
connection failure ejects the endpoint at once (nothing listens there), ``consecutive_failures``
502/503/504 answers or timeouts in a row eject it too; an ejected endpoint is left out for
``ejection_seconds`` times the number of times it was ejected in a row (capped at
``max_ejection_seconds``), then readmitted; its next success resets the count. When every
endpoint is ejected the pool uses them all anyway (Envoy's panic mode): a guess beats refusing.

The per-subgraph circuit breaker and retries stay above this (``router.resilience.guard``): a
retried query picks again, so it goes to another replica when one has just been ejected.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from servicekit.health import CheckFailed, ReadinessCheck

__all__ = ["Endpoint", "LoadBalancer", "balancer_readiness"]

_TRANSIENT_STATUSES = frozenset({502, 503, 504})
_Answer = TypeVar("_Answer", bound=tuple[Any, ...])
"""An answer whose first item is the HTTP status (the transport's tuple)."""


@dataclass
class Endpoint:
    url: str
    outstanding: int = 0
    requests: int = 0
    failures_in_a_row: int = 0
    ejections_in_a_row: int = 0
    ejections: int = 0
    ejected_until: float = 0.0

    def snapshot(self, now: float) -> dict[str, Any]:
        return {
            "url": self.url,
            "ejected": self.ejected_until > now,
            "ejections": self.ejections,
            "outstanding": self.outstanding,
            "requests": self.requests,
        }


@dataclass
class _Pool:
    endpoints: list[Endpoint]
    turn: int = 0


@dataclass
class LoadBalancer:
    """Pools by subgraph name; a subgraph without a pool keeps the URL it is given."""

    consecutive_failures: int = 3
    ejection_seconds: float = 2.0
    max_ejection_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _pools: dict[str, _Pool] = field(default_factory=dict)

    def set_pools(self, urls: Mapping[str, Sequence[str]]) -> None:
        """The replicas each subgraph has now; endpoints that stay keep their state."""
        pools: dict[str, _Pool] = {}
        for name, found in urls.items():
            previous = (
                {e.url: e for e in self._pools[name].endpoints} if name in self._pools else {}
            )
            endpoints = [previous.get(url) or Endpoint(url) for url in dict.fromkeys(found)]
            if endpoints:
                pools[name] = _Pool(endpoints, self._pools[name].turn if name in self._pools else 0)
        self._pools = pools

    def pooled(self, name: str) -> bool:
        """Whether ``name`` has replicas to choose from (else :meth:`call` sends to its URL)."""
        return name in self._pools

    def _choose(self, name: str, url: str) -> Endpoint | None:
        pool = self._pools.get(name)
        if pool is None:
            return None
        now = self.clock()
        healthy = [e for e in pool.endpoints if e.ejected_until <= now] or pool.endpoints
        fewest = min(e.outstanding for e in healthy)
        candidates = [e for e in healthy if e.outstanding == fewest]
        pool.turn += 1
        return candidates[pool.turn % len(candidates)]

    @contextmanager
    def route(self, name: str, url: str) -> Iterator[_Call]:
        """``with balancer.route(name, url) as call:`` send to ``call.url``, then report
        ``call.failed(connection=...)`` or nothing (success) before leaving."""
        endpoint = self._choose(name, url)
        call = _Call(endpoint.url if endpoint else url)
        if endpoint is None:
            yield call
            return
        endpoint.outstanding += 1
        endpoint.requests += 1
        try:
            yield call
        finally:
            endpoint.outstanding -= 1
            self._record(endpoint, call)

    async def call(self, name: str, url: str, send: Callable[[str], Awaitable[_Answer]]) -> _Answer:
        """``send(target_url)`` to the chosen endpoint, its outcome recorded: a connection
        failure (a connect timeout included), a timeout, a 502/503/504 answer, or a success."""
        if name not in self._pools:
            return await send(url)  # no replicas: nothing to choose, nothing to record
        with self.route(name, url) as call:
            try:
                answer = await send(call.url)
            except httpx.ConnectTimeout:
                call.failed(connection=True)
                raise
            except (TimeoutError, httpx.TimeoutException):
                call.failed(connection=False)
                raise
            except httpx.TransportError:
                call.failed(connection=True)
                raise
            if answer[0] in _TRANSIENT_STATUSES:
                call.failed(connection=False)
            else:
                call.succeeded()
            return answer

    def _record(self, endpoint: Endpoint, call: _Call) -> None:
        if call.outcome is None:
            return  # cancelled: says nothing about the endpoint
        if call.outcome == "ok":
            endpoint.failures_in_a_row = 0
            endpoint.ejections_in_a_row = 0
            return
        endpoint.failures_in_a_row += 1
        now = self.clock()
        if endpoint.ejected_until > now:
            return  # already out (several in-flight calls failed together)
        if call.outcome == "connection" or endpoint.failures_in_a_row >= self.consecutive_failures:
            endpoint.ejections_in_a_row += 1
            endpoint.ejections += 1
            pause = min(
                self.ejection_seconds * endpoint.ejections_in_a_row, self.max_ejection_seconds
            )
            endpoint.ejected_until = now + pause
            endpoint.failures_in_a_row = 0

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        now = self.clock()
        return {
            name: [e.snapshot(now) for e in pool.endpoints]
            for name, pool in sorted(self._pools.items())
        }


@dataclass
class _Call:
    url: str
    outcome: str | None = None
    """``ok``, ``connection`` (no answer: refused, reset) or ``failure`` (a 502/503/504 answer
    or a timeout); ``None`` until reported."""

    def succeeded(self) -> None:
        self.outcome = "ok"

    def failed(self, *, connection: bool) -> None:
        self.outcome = "connection" if connection else "failure"


def balancer_readiness(balancer: LoadBalancer) -> ReadinessCheck:
    """``/ready``'s ``replicas`` check: every pool's endpoints (ejected or not, in flight,
    requests, ejections); *degraded* while an endpoint is ejected (the others serve)."""

    async def probe() -> Mapping[str, Any]:
        snapshot = balancer.snapshot()
        ejected = [e["url"] for pool in snapshot.values() for e in pool if e["ejected"]]
        if ejected:
            raise CheckFailed(f"ejected: {', '.join(ejected)}", {"pools": snapshot})
        return {"pools": snapshot}

    return ReadinessCheck(probe=probe, required=False)
