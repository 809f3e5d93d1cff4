"""In-flight deduplication ("single flight", after Go's ``golang.org/x/sync/singleflight``):
concurrent calls with the same key share one execution and its result or error.

Only for idempotent reads (queries), keyed by everything that shapes the answer (subgraph, query,
variables, forwarded headers: :func:`request_key`). A caller that is cancelled stops waiting but
does not cancel the shared call, which the others still need. The key is forgotten as soon as the
call finishes, so this never serves stale data: it is not a cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["SingleFlight", "request_key"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._calls: dict[K, asyncio.Future[V]] = {}
        self.executions = 0
        self.shared = 0

    async def do(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        """The result of ``call()``, or of the identical call already in flight."""
        future = self._calls.get(key)
        if future is None:
            future = asyncio.ensure_future(call())
            self._calls[key] = future
            self.executions += 1
            future.add_done_callback(lambda done: self._finished(key, done))
        else:
            self.shared += 1
        return await asyncio.shield(future)

    def _finished(self, key: K, future: asyncio.Future[V]) -> None:
        if self._calls.get(key) is future:
            del self._calls[key]
        if not future.cancelled():
            future.exception()  # retrieved: no "exception was never retrieved" when all left

    @property
    def in_flight(self) -> int:
        return len(self._calls)


def request_key(subgraph: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """A stable key for a subgraph request: canonical JSON of body and headers, SHA-256."""
    canonical = json.dumps(
        {"subgraph": subgraph, "body": body, "headers": sorted(headers.items())},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
