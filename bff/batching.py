"""One Redis read, one router request and one Redis write per execution step of a request.

The loaders (``bff.loaders``) each collect their keys; a step of GraphQL execution usually wakes
several of them (a product page's author names and related product cards). Instead of each
loader paying its own ``MGET`` and router request, they hand their batch to the request's
:class:`StepBatcher`, which waits a few event-loop iterations for the others, then:

1. reads every key of every batch with one ``MGET``;
2. asks the router for all misses in one operation: one aliased field per entity batch
   (``e0: productsByUpc(upcs: $k0) { ... }``) and per root field (``r1: topProducts(first: 8)``);
3. writes the answers back in one pipeline, each with its own TTL and invalidation tags.

Errors stay with their alias: a failed root field fails only its own load, a failed entity
batch only that loader's loads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bff import telemetry
from bff.cache import CacheEntry, RedisCache, is_missing
from bff.router_client import RouterClient, RouterError
from bff.specs import EntitySpec, RootField

__all__ = ["StepBatcher"]

WINDOW = 8
"""Event-loop iterations to wait for other batches of the same step (microseconds)."""


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


def _errors_under(errors: Iterable[dict[str, Any]], alias: str) -> list[dict[str, Any]]:
    return [e for e in errors if (e.get("path") or [None])[0] == alias]


def _error_indices(errors: Iterable[dict[str, Any]]) -> set[int]:
    """Positions of a list field that errors point into: their partial values are not cached."""
    return {
        path[1]
        for path in (e.get("path") or [] for e in errors)
        if len(path) >= 2 and isinstance(path[1], int)
    }


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
                await self._read(jobs)
                entries = await self._fetch([job for job in jobs if job.misses])
                await self._cache.set_entries(entries)
        except Exception as error:  # a failure of the whole step fails every load of it
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        for job in jobs:
            if not job.future.done():
                job.future.set_result([job.results[i] for i in range(len(job.keys))])

    async def _read(self, jobs: list[_Job]) -> None:
        lookups = [(job, i, pair) for job in jobs for i, pair in job.lookups()]
        values = await self._cache.get_pairs([pair for _, _, pair in lookups])
        for (job, i, _), value in zip(lookups, values, strict=True):
            if not is_missing(value):
                job.results[i] = value
        for job in jobs:
            job.misses = [i for i in range(len(job.keys)) if i not in job.results]
        hits = sum(1 for value in values if not is_missing(value))
        telemetry.cache_lookups(hits, len(values) - hits)

    async def _fetch(self, jobs: list[_Job]) -> list[CacheEntry]:
        if not jobs:
            return []
        fields, definitions, variables = [], [], {}
        for n, job in enumerate(jobs):
            if job.spec is not None:
                spec = job.spec
                definitions.append(f"$k{n}: {spec.argument_type}")
                variables[f"k{n}"] = [job.keys[i] for i in job.misses]
                fields.append(
                    f"e{n}: {spec.root_field}({spec.argument}: $k{n}) {{ {spec.selection} }}"
                )
            else:
                fields += [f"r{n}_{i}: {job.keys[i].text}" for i in job.misses]
        signature = f"({', '.join(definitions)})" if definitions else ""
        body = await self._router.execute(
            f"query BffStep{signature} {{ {' '.join(fields)} }}",
            variables,
            operation_name="BffStep",
            headers=self._headers,
        )
        entries: list[CacheEntry] = []
        for n, job in enumerate(jobs):
            try:
                if job.spec is not None:
                    entries += self._take_entities(n, job, body)
                else:
                    entries += self._take_roots(n, job, body)
            except RouterError as error:
                job.future.set_exception(error)
        return entries

    def _take_entities(self, n: int, job: _Job, body: dict[str, Any]) -> list[CacheEntry]:
        spec = job.spec
        if spec is None:  # pragma: no cover - guarded by the caller
            return []
        errors = _errors_under(body.get("errors", ()), f"e{n}")
        items = body["data"].get(f"e{n}")
        if items is None:
            raise RouterError(str(errors[0].get("message")) if errors else "no data", errors)
        skip = _error_indices(errors)
        entries = []
        for position, (i, value) in enumerate(zip(job.misses, items, strict=True)):
            job.results[i] = value
            if value is None and position in skip:
                # nulled by an error (e.g. a field the caller may not see): fail this load
                mine = [e for e in errors if (e.get("path") or [None, None])[1] == position]
                job.results[i] = RouterError(str(mine[0].get("message", "router error")), mine)
            if position not in skip:
                key = job.keys[i]
                tags = (f"{spec.tag_prefix}:{key}",)
                entries.append(CacheEntry(spec.kind, key, value, spec.ttl_seconds, tags))
        return entries

    def _take_roots(self, n: int, job: _Job, body: dict[str, Any]) -> list[CacheEntry]:
        entries = []
        for i in job.misses:
            alias, root = f"r{n}_{i}", job.keys[i]
            errors = _errors_under(body.get("errors", ()), alias)
            job.results[i] = body["data"].get(alias)
            if errors and job.results[i] is None:
                # an exception as a value fails this load only (aiodataloader's convention)
                message = str(errors[0].get("message", "router error"))
                job.results[i] = RouterError(message, errors)
                continue
            if root.ttl_seconds > 0 and not errors:
                entries.append(
                    CacheEntry("root", root.cache_key, job.results[i], root.ttl_seconds, root.tags)
                )
        return entries
