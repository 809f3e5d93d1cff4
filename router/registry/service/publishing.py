"""One publish: compose the subgraphs with the new SDL, check the change like ``schema check``
(composition errors, breaking changes against the current supergraph weighed by the registered
persisted operations), then store it, accepted or rejected, with the report.

Publishes are serialised by a lock (each composes against the state the previous one left);
waiting routers are woken on every change, and re-read the database every second so a change
written by another registry replica on the same PostgreSQL database is seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from router.composition import SubgraphInput
from router.registry.check import CheckReport, check_subgraphs
from router.registry.service.store import Current, RegistryStore

__all__ = ["PublishOutcome", "Registry", "etag_of"]

_POLL_SECONDS = 1.0


def etag_of(current: Current | None) -> str:
    """A strong ETag of what routers read: the supergraph and every routing URL."""
    if current is None:
        return '"empty"'
    payload = json.dumps([current.sha256, current.routing_urls], sort_keys=True)
    return f'"{hashlib.sha256(payload.encode()).hexdigest()[:32]}"'


@dataclass
class PublishOutcome:
    accepted: bool
    version: int | None
    """The supergraph version now current (``None`` while nothing is accepted)."""
    supergraph_changed: bool
    routing_changed: bool
    report: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "version": self.version,
            "supergraphChanged": self.supergraph_changed,
            "routingChanged": self.routing_changed,
            "report": self.report,
        }


def _unchanged_report() -> dict[str, Any]:
    report = CheckReport(notes=["the SDL is the accepted one; nothing to check"])
    return report.as_dict()


class Registry:
    """The service's logic over its store."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def check(self, name: str, sdl: str, url: str) -> CheckReport:
        """What publishing ``sdl`` for ``name`` would give; nothing is stored."""
        current = await self.store.current()
        inputs = []
        for row in await self.store.subgraphs():
            if row.name != name:
                inputs.append(SubgraphInput(row.name, row.routing_url, row.sdl))
            else:
                url = row.routing_url
        inputs.append(SubgraphInput(name, url, sdl))
        inputs.sort(key=lambda item: item.name)
        source = f"registry version {current.version}" if current else "registry (empty)"
        operations = await self.store.operations()
        return await asyncio.to_thread(
            check_subgraphs,
            inputs,
            current.supergraph_sdl if current else None,
            source,
            operations,
        )

    async def publish(self, name: str, sdl: str, url: str) -> PublishOutcome:
        async with self._lock:
            accepted = {row.name: row.sdl for row in await self.store.subgraphs()}
            current = await self.store.current()
            if accepted.get(name) == sdl:
                routing_changed = await self.store.add_instance(name, url)
                await self.store.record_publish(name, url, _unchanged_report(), accepted_sdl=sdl)
                if routing_changed:
                    self._notify()
                version = current.version if current else None
                return PublishOutcome(True, version, False, routing_changed, _unchanged_report())
            report = await self.check(name, sdl, url)
            details = report.as_dict()
            if not report.passed or report.supergraph_sdl is None:
                await self.store.record_publish(name, url, details)
                version = current.version if current else None
                return PublishOutcome(False, version, False, False, details)
            digest = hashlib.sha256(report.supergraph_sdl.encode()).hexdigest()
            changed = current is None or current.sha256 != digest
            version = await self.store.record_publish(
                name,
                url,
                details,
                accepted_sdl=sdl,
                supergraph=(report.supergraph_sdl, digest) if changed else None,
            )
            routing_changed = await self.store.add_instance(name, url)
            if changed or routing_changed:
                self._notify()
            if version is None and current is not None:
                version = current.version
            return PublishOutcome(True, version, changed, routing_changed, details)

    async def unregister(self, name: str, url: str) -> bool:
        """A replica that stops leaves the routing (its SDL stays: other replicas serve it)."""
        async with self._lock:
            removed = await self.store.remove_instance(name, url)
            if removed:
                self._notify()
            return removed

    async def wait_for_change(self, etag: str | None, wait_seconds: float) -> Current | None:
        """The current state as soon as its ETag differs from ``etag`` (at once when it does
        already), else after ``wait_seconds`` the unchanged state."""
        deadline = time.monotonic() + wait_seconds
        while True:
            event = self._changed
            current = await self.store.current()
            remaining = deadline - time.monotonic()
            if etag_of(current) != etag or remaining <= 0:
                return current
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, _POLL_SECONDS))
