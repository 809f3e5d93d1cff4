"""Retries of subgraph fetches: queries only, never mutations (a retried mutation may apply
twice), for transient failures only, with capped exponential backoff and full jitter (AWS
Architecture Blog, "Exponential Backoff And Jitter": ``sleep = uniform(0, min(cap, base * 2**n))``)
so retrying routers do not synchronise into waves.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

__all__ = ["RetryPolicy", "TransientStatusError", "is_transient", "retry_async"]

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({502, 503, 504})


class TransientStatusError(Exception):
    """A subgraph answered 502/503/504: worth another try for a query."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"subgraph answered HTTP {status_code}")
        self.status_code = status_code

    @classmethod
    def raise_for(cls, response: httpx.Response) -> httpx.Response:
        """Raise for a retryable status; return the response otherwise."""
        if response.status_code in RETRYABLE_STATUSES:
            raise cls(response.status_code)
        return response


def is_transient(error: BaseException) -> bool:
    """Connection failures (a connect timeout included) and 502/503/504: the next attempt may
    well succeed. A read, write or pool timeout is not retried: the attempt already spent the
    whole subgraph timeout on a subgraph that does not answer, and a retry would double the
    time a hung subgraph holds the request."""
    if isinstance(error, httpx.TimeoutException):
        return isinstance(error, httpx.ConnectTimeout)
    return isinstance(error, httpx.TransportError | TransientStatusError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_attempts`` counts the first try (1 disables retries)."""

    max_attempts: int = 2
    base_delay_seconds: float = 0.05
    max_delay_seconds: float = 1.0

    def may_retry(self, operation_type: str) -> bool:
        return operation_type == "query" and self.max_attempts > 1

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """The pause before retry ``retry_number`` (1-based), full jitter."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (retry_number - 1))
        return rng.uniform(0.0, ceiling)


async def retry_async(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    operation_type: str,
    retryable: Callable[[BaseException], bool] = is_transient,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt``; on a retryable error, and only for queries, wait and run it again."""
    attempts = policy.max_attempts if policy.may_retry(operation_type) else 1
    jitter = rng or random.Random()
    number = 1
    while True:
        try:
            return await attempt()
        except Exception as error:
            if number >= attempts or not retryable(error):
                raise
        await sleep(policy.backoff(number, jitter))
        number += 1
