"""Plan cache warm-up (issue #17): at boot, the operations of the persisted-operation manifests
(Apollo's ``apollo-persisted-query-manifest`` format: ``schema/persisted/*.router.json``, what
the BFFs send); on hot reload, the most used documents of the previous supergraph too (Apollo
Router's ``warmed_up_queries``), so the first requests after a restart or a reload do not pay
for parsing, validation and planning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import orjson

from servicekit.logging import get_logger

__all__ = ["PlanWarmup", "Warmable", "manifest_operations"]

_log = get_logger("router.caching")
_CHUNK = 20
"""Operations planned between two yields to the event loop."""


class Warmable(Protocol):
    previous_documents: list[str]

    def warm_plans(self, operations: Iterable[tuple[str, str | None]]) -> int: ...


def manifest_operations(paths: Sequence[str | Path]) -> list[tuple[str, str | None]]:
    """(body, name) of every operation of the manifests; an unreadable manifest is logged."""
    found: list[tuple[str, str | None]] = []
    for path in paths:
        try:
            manifest = orjson.loads(Path(path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            _log.warning("warmup.manifest_unreadable", path=str(path), error=repr(error))
            continue
        for operation in manifest.get("operations", []) if isinstance(manifest, dict) else []:
            body, name = operation.get("body"), operation.get("name")
            if isinstance(body, str):
                found.append((body, name if isinstance(name, str) else None))
    return found


class PlanWarmup:
    def __init__(self, gateway: Warmable, manifests: Sequence[str | Path], most_used: int) -> None:
        self.gateway = gateway
        self.manifests = list(manifests)
        self.most_used = most_used
        self.planned = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def warm(self, operations: list[tuple[str, str | None]]) -> int:
        planned = 0
        for start in range(0, len(operations), _CHUNK):
            planned += self.gateway.warm_plans(operations[start : start + _CHUNK])
            await asyncio.sleep(0)  # let requests in between chunks
        self.planned += planned
        return planned

    async def at_boot(self) -> None:
        operations = manifest_operations(self.manifests)
        planned = await self.warm(operations)
        _log.info("warmup.done", trigger="boot", operations=len(operations), planned=planned)

    def on_swap(self) -> None:
        """After a hot reload: the manifests and the previous supergraph's most used documents."""
        recent = [(d, None) for d in self.gateway.previous_documents[: self.most_used]]
        operations = [*recent, *manifest_operations(self.manifests)]
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a reload outside the loop (a test): warm now
            self.planned += self.gateway.warm_plans(operations)
            return
        task = loop.create_task(self._reload(operations))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload(self, operations: list[tuple[str, str | None]]) -> None:
        planned = await self.warm(operations)
        _log.info("warmup.done", trigger="reload", operations=len(operations), planned=planned)
