"""A bounded load over loopback that counts outcomes (for the fault tests and their report)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Outcomes", "classify", "run_load"]


def classify(status: int, body: Mapping[str, Any] | None) -> str:
    """``ok`` (200, data, no errors), ``partial:<codes>`` (200, data and errors), ``5xx``,
    ``request-error:<status>:<code>`` (no data), ``bad-body``."""
    if status >= 500:
        return "5xx"
    if body is None:
        return "bad-body"
    codes = ",".join(
        sorted({e.get("extensions", {}).get("code", "?") for e in body.get("errors", [])})
    )
    if "data" not in body:
        return f"request-error:{status}:{codes}"
    return "ok" if not codes else f"partial:{codes}"


@dataclass
class Outcomes:
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    bodies: dict[str, list[Any]] = field(default_factory=dict)
    seconds: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    """Per kind: (outcome, seconds from sending the request to its answer)."""

    def add(self, kind: str, outcome: str, body: Any, seconds: float = 0.0) -> None:
        self.by_kind.setdefault(kind, Counter())[outcome] += 1
        self.bodies.setdefault(kind, []).append(body)
        self.seconds.setdefault(kind, []).append((outcome, seconds))

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.by_kind.values())


async def run_load(
    url: str,
    requests: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    concurrency: int = 8,
    outcomes: Outcomes | None = None,
    request_timeout: float = 30.0,
) -> Outcomes:
    """POST each ``(kind, payload)`` with at most ``concurrency`` in flight."""
    found = outcomes or Outcomes()
    slots = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=request_timeout) as client:

        async def one(kind: str, payload: Mapping[str, Any]) -> None:
            async with slots:
                started = time.monotonic()
                response = await client.post(url, json=dict(payload))
                elapsed = time.monotonic() - started
            try:
                body = response.json()
            except ValueError:
                body = None
            found.add(kind, classify(response.status_code, body), body, elapsed)

        await asyncio.gather(*(one(kind, payload) for kind, payload in requests))
    return found
