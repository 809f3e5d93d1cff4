"""One Redis read, one router request and one Redis write per execution step of a request.

The loaders (``bff.loaders``) each collect their keys; a step of GraphQL execution usually wakes
several of them (a product page's author names and related product cards). Instead of each
loader paying its own ``MGET`` and router request, they hand their batch to the request's
:class:`StepBatcher`, which waits a few event-loop iterations for the others, then:

1. reads every key of every batch with one ``MGET``;
2. asks the router for all misses in one operation (:mod:`bff.step_document`): one aliased field
   per entity batch (``e0: productsByUpc(upcs: $e0_keys) { ... }``) and per root field
   (``r1_0: topProducts(first: $r1_0_first)``), the values as variables;
3. writes the answers back in one script call, each with its own TTL and invalidation tags, unless
   the router's answer had errors (a partial answer is never cached) or one of their tags was
   invalidated since step 1 (:mod:`bff.cache`).

With ``router_persisted_ids`` step 2 sends the same pieces by id instead: one POST of a client
batch (one operation per piece, :meth:`~bff.router_client.RouterClient.execute_persisted`),
whose answers :mod:`bff.persisted_step` turns into the aliased step's body, so what follows is
the same in both modes.

Errors stay with their alias: a failed root field fails only its own load, a failed entity
batch only that loader's loads, and the load fails with the router's own error (message and
extensions), which the resolver's field then reports at its path in the BFF's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bff import telemetry
from bff.cache import CacheEntry, RedisCache, is_missing
from bff.persisted_step import merge_piece_answers
from bff.router_client import RouterClient, RouterError
from bff.specs import EntitySpec, RootField
from bff.step_document import STEP_OPERATION_NAME, StepPiece, step_document

__all__ = ["StepBatcher"]

WINDOW = 16
"""Event-loop iterations to wait for the other loaders of the same step (microseconds): GraphQL
execution reaches sibling fields of a list a few iterations apart (a resolver awaiting one loader,
a nested field resolved after completion)."""


@dataclass
class _Job:
    """One loader's batch: entity keys of a spec, or root fields."""

    spec: EntitySpec | None
    keys: list[Any]
    future: asyncio.Future[list[Any]]
    results: dict[int, Any] = field(default_factory=dict)
    misses: list[int] = field(default_factory=list)

    def lookups(self) -> list[tuple[int, tuple[str, str]]]:
        if self.spec is not None:
            return [(i, (self.spec.kind, key)) for i, key in enumerate(self.keys)]
        return [(i, ("root", f.cache_key)) for i, f in enumerate(self.keys) if f.ttl_seconds > 0]


def _applies(error: Mapping[str, Any], alias: str, position: int | None = None) -> bool:
    """Does a router error concern this alias (and this list position)?

    An error without a path concerns the whole step. A path's second segment is a list index
    only when the router could name the item; Apollo-style paths through a failed entity fetch
    name every item with ``"@"`` (``["e1", "@", "orders"]``), and any segment that is not an
    index concerns every position of the alias.
    """
    path = error.get("path")
    if not path:
        return True
    if path[0] != alias:
        return False
    if position is None or len(path) < 2 or not isinstance(path[1], int):
        return True
    return bool(path[1] == position)


def _failure(errors: Sequence[Mapping[str, Any]]) -> RouterError:
    """A load's failure carrying the router's first error (message and extensions)."""
    return RouterError(str(errors[0].get("message", "router error")), [dict(e) for e in errors])


class StepBatcher:
    """Per request: merges the loaders' batches of one execution step."""

    def __init__(self, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]) -> None:
        self._cache = cache
        self._router = router
        self._headers = headers
        self._jobs: list[_Job] = []
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while steps run

    def entities(self, spec: EntitySpec, keys: Sequence[str]) -> asyncio.Future[list[Any]]:
        return self._enqueue(_Job(spec, list(keys), asyncio.get_running_loop().create_future()))

    def roots(self, fields: Sequence[RootField]) -> asyncio.Future[list[Any]]:
        return self._enqueue(_Job(None, list(fields), asyncio.get_running_loop().create_future()))

    def _enqueue(self, job: _Job) -> asyncio.Future[list[Any]]:
        self._jobs.append(job)
        if len(self._jobs) == 1:
            self._after(WINDOW)
        return job.future

    def _after(self, iterations: int) -> None:
        if iterations > 0:
            asyncio.get_running_loop().call_soon(self._after, iterations - 1)
            return
        jobs, self._jobs = self._jobs, []
        task = asyncio.ensure_future(self._run(jobs))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, jobs: list[_Job]) -> None:
        try:
            with telemetry.batch_span(len(jobs)):
                generation = await self._read(jobs)
                entries = await self._fetch([job for job in jobs if job.misses])
                if generation is not None:
                    await self._cache.set_entries(entries, read_generation=generation)
        except Exception as error:  # a failure of the whole step fails every load of it
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        for job in jobs:
            if not job.future.done():
                job.future.set_result([job.results[i] for i in range(len(job.keys))])

    async def _read(self, jobs: list[_Job]) -> int | None:
        """Fill what the cache holds; returns the read's invalidation generation (``None``:
        nothing fetched may be written back, see :class:`~bff.cache.CacheRead`)."""
        lookups = [(job, i, pair) for job in jobs for i, pair in job.lookups()]
        found = await self._cache.read([pair for _, _, pair in lookups])
        values = found.values
        for (job, i, _), value in zip(lookups, values, strict=True):
            if not is_missing(value):
                job.results[i] = value
        for job in jobs:
            job.misses = [i for i in range(len(job.keys)) if i not in job.results]
        hits = sum(1 for value in values if not is_missing(value))
        telemetry.cache_lookups(hits, len(values) - hits)
        return found.generation

    async def _fetch(self, jobs: list[_Job]) -> list[CacheEntry]:
        if not jobs:
            return []
        pieces: list[StepPiece] = []
        piece_variables: list[dict[str, Any]] = []
        for n, job in enumerate(jobs):
            if job.spec is not None:
                pieces.append((f"e{n}", job.spec.operation))
                piece_variables.append({"keys": [job.keys[i] for i in job.misses]})
                continue
            for i in job.misses:
                root: RootField = job.keys[i]
                pieces.append((f"r{n}_{i}", root.template.operation))
                piece_variables.append(dict(root.values))
        body = await self._send(pieces, piece_variables)
        errors: list[dict[str, Any]] = list(body.get("errors") or ())
        entries: list[CacheEntry] = []
        for n, job in enumerate(jobs):
            try:
                if job.spec is not None:
                    entries += self._take_entities(n, job, body["data"], errors)
                else:
                    entries += self._take_roots(n, job, body["data"], errors)
            except RouterError as error:
                job.future.set_exception(error)
        # an answer with errors is partial: none of it is cached (a null written while a
        # subgraph was down would be served after it came back)
        return [] if errors else entries

    async def _send(
        self, pieces: list[StepPiece], piece_variables: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The aliased step's body: one ``query BffStep`` text, or the pieces by id."""
        if self._router.by_id:
            calls = [
                (operation.name.value if operation.name else "", values)
                for (_, operation), values in zip(pieces, piece_variables, strict=True)
            ]
            answers = await self._router.execute_persisted(
                calls, label=STEP_OPERATION_NAME, headers=self._headers
            )
            return merge_piece_answers(pieces, answers)
        variables = {
            f"{alias}_{name}": value
            for (alias, _), values in zip(pieces, piece_variables, strict=True)
            for name, value in values.items()
        }
        return await self._router.execute(
            step_document(pieces),
            variables,
            operation_name=STEP_OPERATION_NAME,
            headers=self._headers,
        )

    def _take_entities(
        self, n: int, job: _Job, data: Mapping[str, Any], errors: list[dict[str, Any]]
    ) -> list[CacheEntry]:
        spec = job.spec
        if spec is None:  # pragma: no cover - guarded by the caller
            return []
        alias = f"e{n}"
        items = data.get(alias)
        if items is None:
            raise _failure([e for e in errors if _applies(e, alias)] or [{"message": "no data"}])
        entries = []
        for position, (i, value) in enumerate(zip(job.misses, items, strict=True)):
            mine = [e for e in errors if _applies(e, alias, position)]
            # nulled by an error (a subgraph down, a field the caller may not see): this load
            # fails with the router's error (an exception as a value: aiodataloader's convention)
            job.results[i] = _failure(mine) if value is None and mine else value
            key = job.keys[i]
            tags = (f"{spec.tag_prefix}:{key}",)
            entries.append(CacheEntry(spec.kind, key, value, spec.ttl_seconds, tags))
        return entries

    def _take_roots(
        self, n: int, job: _Job, data: Mapping[str, Any], errors: list[dict[str, Any]]
    ) -> list[CacheEntry]:
        entries = []
        for i in job.misses:
            alias, root = f"r{n}_{i}", job.keys[i]
            value = data.get(alias)
            mine = [e for e in errors if _applies(e, alias)]
            job.results[i] = _failure(mine) if value is None and mine else value
            if root.ttl_seconds > 0:
                entries.append(
                    CacheEntry("root", root.cache_key, value, root.ttl_seconds, root.tags)
                )
        return entries
