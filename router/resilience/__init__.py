"""Subgraph resilience: circuit breakers, query-only retries with jittered backoff, a per-subgraph
concurrency bound, in-flight deduplication, and the guard that composes them."""

from __future__ import annotations

from router.resilience.breaker import BreakerState, CircuitBreaker, Permit
from router.resilience.concurrency import ConcurrencyLimit
from router.resilience.errors import CircuitOpenError, ConcurrencyLimitError
from router.resilience.guard import SubgraphGuard, SubgraphGuards
from router.resilience.retry import RetryPolicy, TransientStatusError, is_transient, retry_async
from router.resilience.singleflight import SingleFlight, request_key

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConcurrencyLimit",
    "ConcurrencyLimitError",
    "Permit",
    "RetryPolicy",
    "SingleFlight",
    "SubgraphGuard",
    "SubgraphGuards",
    "TransientStatusError",
    "is_transient",
    "request_key",
    "retry_async",
]
