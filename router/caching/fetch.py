"""The cache in the fetch path: root answers and ``_entities`` answers per entity, in Redis.

Apollo Router's response cache semantics: a subgraph answer is stored only when the subgraph's
``Cache-Control`` makes it cacheable (``max-age`` > 0, not ``no-store``) and it has no errors;
its TTL is that ``max-age`` (bounded by ``max_ttl_seconds``), and a hit reports the remaining
age as its own ``max-age``. A PRIVATE answer is stored under the verified subject (the signed
identity the router forwards) and never read for another caller; an anonymous PRIVATE answer is
not stored. An ``_entities`` fetch looks each representation up; only the missing ones are sent
(in order), and the answers are merged back in the representations' order, error paths
re-indexed (a partial hit)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from router.caching.keys import (
    canonical,
    digest,
    entity_tag,
    root_tags,
    subgraph_tag,
    type_tag,
)
from router.caching.store import CacheStore, Pending
from router.execution.executor import PlanRun
from router.execution.subgraphs import SubgraphAnswer
from router.planning.plan import FetchNode
from servicekit.auth.forwarded import USER_ID_HEADER
from servicekit.cache_control import CachePolicy

__all__ = ["CacheStats", "ResponseCache"]

Deliver = Callable[[bytes], Awaitable[SubgraphAnswer]]


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    stored: int = 0


def _encode(data: Any, policy: CachePolicy) -> bytes:
    return orjson.dumps({"d": data, "a": policy.max_age, "p": policy.private, "t": time.time()})


def _decode(raw: bytes) -> tuple[Any, CachePolicy]:
    entry = orjson.loads(raw)
    remaining = max(int(entry["a"] - (time.time() - entry["t"])), 1)
    return entry["d"], CachePolicy(remaining, bool(entry["p"]))


class ResponseCache:
    """The hook :class:`~router.execution.executor.PlanExecutor` calls for every query fetch."""

    def __init__(
        self,
        store: CacheStore,
        key_fields: Mapping[str, Mapping[str, frozenset[str]]],
        subgraphs: frozenset[str] | None = None,
    ) -> None:
        self.store = store
        self.key_fields = key_fields
        self.subgraphs = subgraphs
        self.stats = CacheStats()

    async def fetch(
        self, fetch: FetchNode, body: bytes, run: PlanRun, deliver: Deliver
    ) -> SubgraphAnswer:
        name = fetch.service_name
        if self.subgraphs is not None and name not in self.subgraphs:
            return await deliver(body)
        subject = (run.identity or {}).get(USER_ID_HEADER)
        payload = orjson.loads(body)
        variables = payload.get("variables") or {}
        representations = variables.get("representations")
        if isinstance(representations, list) and all(isinstance(r, dict) for r in representations):
            return await self._entities(name, payload, representations, subject, run, deliver)
        return await self._root(name, body, subject, run, deliver)

    def _keys(self, base: tuple[str, ...], subject: str | None) -> list[str]:
        keys = [self.store.entry(*base)]
        if subject is not None:
            keys.append(self.store.entry(*base, "u", digest(subject.encode())))
        return keys

    async def _root(
        self, name: str, body: bytes, subject: str | None, run: PlanRun, deliver: Deliver
    ) -> SubgraphAnswer:
        keys = self._keys((name, "Query", digest(body)), subject)
        tags = root_tags(name)
        entries, versions = await self.store.read(keys, tags)
        run.result.cache_tags.update(tags)
        hit = next((e for e in entries if e is not None), None)
        if hit is not None:
            self.stats.hits += 1
            data, policy = _decode(hit)
            return SubgraphAnswer(data=data, cache_control=policy.header())
        self.stats.misses += 1
        answer = await deliver(body)
        policy = CachePolicy.parse(answer.cache_control)
        if _storable(answer, policy) and isinstance(answer.data, dict):
            key = keys[-1] if policy.private else keys[0]
            if not policy.private or len(keys) == 2:
                pending = Pending(key, tags, [versions[t] for t in tags])
                await self._write([(pending, _encode(answer.data, policy), policy.max_age or 0)])
        return answer

    async def _write(self, items: list[tuple[Pending, bytes, int]]) -> None:
        await self.store.write(items)
        self.stats.stored += len(items)

    async def _entities(  # noqa: PLR0917 (one call site, all required)
        self,
        name: str,
        payload: dict[str, Any],
        representations: list[dict[str, Any]],
        subject: str | None,
        run: PlanRun,
        deliver: Deliver,
    ) -> SubgraphAnswer:
        variables = payload["variables"]
        rest = {
            **payload,
            "variables": {k: v for k, v in variables.items() if k != "representations"},
        }
        request_hash = digest(canonical(rest))[:32]
        known = self.key_fields.get(name, {})
        keys: list[list[str]] = []
        tags: list[list[str]] = []
        for representation in representations:
            type_name = str(representation.get("__typename"))
            fields = known.get(type_name)
            key = (
                {k: representation[k] for k in fields if k in representation}
                if fields
                else representation
            )
            rep_hash = digest(canonical(representation))[:32]
            keys.append(self._keys((name, type_name, rep_hash, request_hash), subject))
            tags.append(
                [subgraph_tag(name), type_tag(name, type_name), entity_tag(name, type_name, key)]
            )
        flat = [k for found in keys for k in found]
        entries, versions = await self.store.read(flat, [t for found in tags for t in found])
        for found in tags:
            run.result.cache_tags.update(found)
        per = len(keys[0]) if keys else 1
        combined: list[Any] = [None] * len(representations)
        policy: CachePolicy | None = None
        missing: list[int] = []
        for index in range(len(representations)):
            hit = next((e for e in entries[index * per : index * per + per] if e), None)
            if hit is None:
                missing.append(index)
                continue
            combined[index], found_policy = _decode(hit)
            policy = found_policy if policy is None else policy.restrict(found_policy)
        self.stats.hits += len(representations) - len(missing)
        self.stats.misses += len(missing)
        answer = SubgraphAnswer(data={"_entities": combined})
        if missing:
            sub = {
                **payload,
                "variables": {
                    **variables,
                    "representations": [representations[i] for i in missing],
                },
            }
            fetched = await deliver(orjson.dumps(sub))
            fetched_policy = CachePolicy.parse(fetched.cache_control)
            policy = fetched_policy if policy is None else policy.restrict(fetched_policy)
            data = fetched.data.get("_entities") if isinstance(fetched.data, dict) else None
            answer.failure = fetched.failure
            answer.errors = [_reindex(error, missing) for error in fetched.errors]
            if fetched.data is None and len(missing) == len(representations):
                answer.data = None  # nothing to merge: the executor reports the whole path
            failed = _failed_indexes(fetched.errors)
            items: list[tuple[Pending, bytes, int]] = []
            if isinstance(data, list):
                for position, index in enumerate(missing):
                    entity = data[position] if position < len(data) else None
                    combined[index] = entity
                    if (
                        isinstance(entity, dict)
                        and position not in failed
                        and fetched.failure is None
                        and fetched_policy.cacheable
                        and (not fetched_policy.private or subject is not None)
                    ):
                        entry = keys[index][-1] if fetched_policy.private else keys[index][0]
                        pending = Pending(entry, tags[index], [versions[t] for t in tags[index]])
                        value = _encode(entity, fetched_policy)
                        items.append((pending, value, fetched_policy.max_age or 0))
            if items:
                await self._write(items)
        answer.cache_control = policy.header() if policy is not None else None
        return answer


def _storable(answer: SubgraphAnswer, policy: CachePolicy) -> bool:
    return answer.failure is None and not answer.errors and policy.cacheable


def _failed_indexes(errors: list[dict[str, Any]]) -> set[int] | frozenset[int]:
    """The entities an error touches; every one when an error has no entity path."""
    found: set[int] = set()
    for error in errors:
        path = error.get("path")
        if isinstance(path, list) and len(path) >= 2 and isinstance(path[1], int):
            found.add(path[1])
        else:
            return _ALL
    return found


class _All(frozenset[int]):
    def __contains__(self, item: object) -> bool:
        return True


_ALL = _All()


def _reindex(error: dict[str, Any], missing: list[int]) -> dict[str, Any]:
    """``["_entities", j, ...]`` of the partial request as the ``j``-th missing index."""
    path = error.get("path")
    if isinstance(path, list) and len(path) >= 2 and path[0] == "_entities":
        position = path[1]
        if isinstance(position, int) and 0 <= position < len(missing):
            return {**error, "path": ["_entities", missing[position], *path[2:]]}
    return error
