"""Per-request dataloaders over the router, read through the Redis cache (issue #6, "No N+1").

Two kinds cover every screen:

* :class:`EntityLoader`: entities by key through a batch root field (``productsByUpc``,
  ``usersById`` ...) with one fixed selection. A tick's keys become one ``MGET``; the misses one
  router request; the answers one write-back pipeline.
* :class:`RootLoader`: root fields with literal arguments (``topProducts(first: 8) { upc }``).
  Every root field asked for in a tick goes to the router as one operation, one alias each.

So a screen costs a constant number of router requests, whatever its list lengths, and a warm
screen costs none. Loaders live for one request (:class:`Loaders`), so nothing leaks between users.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiodataloader import DataLoader, Loader, dispatch_queue

from bff.cache import RedisCache, is_missing
from bff.router_client import RouterClient, RouterError

__all__ = ["EntityLoader", "EntitySpec", "Loaders", "RootField", "RootLoader", "literal"]


def literal(value: str | int | None) -> str:
    """A GraphQL literal for a root field's argument (JSON's string escapes are GraphQL's)."""
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"unsupported literal {value!r}")
    return json.dumps(value) if isinstance(value, str) else str(value)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class EntitySpec:
    """One entity type fetched with one selection through a list-by-keys root field."""

    name: str
    """Names the cache kind and the router operation (``BffProductCard``)."""
    root_field: str
    argument: str
    argument_type: str
    selection: str
    ttl_seconds: int
    tag_prefix: str
    """Invalidation tag of key ``k`` is ``{tag_prefix}:{k}`` (e.g. ``Product:1``)."""

    @property
    def kind(self) -> str:
        return f"{self.name}:{_short_hash(self.selection)}"

    @property
    def operation_name(self) -> str:
        return f"Bff{self.name}"

    @property
    def document(self) -> str:
        return (
            f"query {self.operation_name}($keys: {self.argument_type}) "
            f"{{ {self.root_field}({self.argument}: $keys) {{ {self.selection} }} }}"
        )


@dataclass(frozen=True)
class RootField:
    """A root field call with literal arguments and its selection, e.g. ``topProducts(first: 8)``."""

    text: str
    ttl_seconds: int = 0
    """0: never cached (identity-dependent fields such as ``me``)."""
    tags: tuple[str, ...] = field(default=(), compare=False)


def _error_indices(errors: Iterable[Mapping[str, Any]], root: str) -> set[int]:
    """Positions of a list field that errors point into: their (partial) values are not cached."""
    indices: set[int] = set()
    for error in errors:
        path = error.get("path") or []
        if len(path) >= 2 and path[0] == root and isinstance(path[1], int):
            indices.add(path[1])
    return indices


class _WindowedLoader(DataLoader[Any, Any]):
    """Dispatches a few event-loop iterations after the first load instead of one.

    GraphQL execution reaches sibling fields of a list a couple of iterations apart (a resolver
    awaiting one loader, a nested field resolved after completion); waiting ``WINDOW`` iterations
    (microseconds) lets them share one batch, so a screen's router requests stay constant.
    """

    WINDOW = 8

    def do_resolve_reject(self, key: Any, future: Any) -> None:
        self._queue.append(Loader(key=key, future=future))
        if len(self._queue) == 1:
            self._dispatch_after(self.WINDOW)

    def _dispatch_after(self, iterations: int) -> None:
        if iterations > 0:
            self.loop.call_soon(self._dispatch_after, iterations - 1)
        else:
            dispatch_queue(self)


class EntityLoader(_WindowedLoader):
    """Entities of one :class:`EntitySpec`: Redis first, then one router request for the misses."""

    def __init__(
        self, spec: EntitySpec, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.spec = spec
        self._store = cache
        self._router = router
        self._headers = headers

    async def batch_load_fn(self, keys: Sequence[str]) -> list[Any]:
        spec = self.spec
        cached = await self._store.get_many(spec.kind, keys)
        misses = [key for key, value in zip(keys, cached, strict=True) if is_missing(value)]
        fetched: dict[str, Any] = {}
        if misses:
            body = await self._router.execute(
                spec.document,
                {"keys": misses},
                operation_name=spec.operation_name,
                headers=self._headers,
            )
            items = body["data"].get(spec.root_field) or [None] * len(misses)
            fetched = dict(zip(misses, items, strict=True))
            skip = _error_indices(body.get("errors", ()), spec.root_field)
            to_cache = {k: v for i, (k, v) in enumerate(fetched.items()) if i not in skip}
            await self._store.set_many(
                spec.kind,
                to_cache,
                spec.ttl_seconds,
                {k: (f"{spec.tag_prefix}:{k}",) for k in to_cache},
            )
        return [fetched[k] if is_missing(v) else v for k, v in zip(keys, cached, strict=True)]


class RootLoader(_WindowedLoader):
    """Root fields asked for in one tick: cached ones from Redis, the rest in one aliased query."""

    def __init__(self, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]) -> None:
        super().__init__()
        self._store = cache
        self._router = router
        self._headers = headers

    async def batch_load_fn(self, fields: Sequence[RootField]) -> list[Any]:
        hashes = [_short_hash(f.text) for f in fields]
        cacheable = [i for i, f in enumerate(fields) if f.ttl_seconds > 0]
        cached_values = await self._store.get_many("root", [hashes[i] for i in cacheable])
        results: dict[int, Any] = {
            i: v for i, v in zip(cacheable, cached_values, strict=True) if not is_missing(v)
        }
        misses = [i for i in range(len(fields)) if i not in results]
        if misses:
            await self._fetch([(i, fields[i], hashes[i]) for i in misses], results)
        return [results[i] for i in range(len(fields))]

    async def _fetch(
        self, misses: list[tuple[int, RootField, str]], results: dict[int, Any]
    ) -> None:
        selections = " ".join(f"r{i}: {f.text}" for i, f, _ in misses)
        body = await self._router.execute(
            f"query BffRoots {{ {selections} }}", operation_name="BffRoots", headers=self._headers
        )
        failed = {str((e.get("path") or [None])[0]) for e in body.get("errors", ())}
        by_ttl: dict[int, dict[str, Any]] = {}
        tags: dict[str, tuple[str, ...]] = {}
        for i, root_field, key in misses:
            alias = f"r{i}"
            results[i] = body["data"].get(alias)
            if alias in failed and results[i] is None:
                mine = [e for e in body["errors"] if (e.get("path") or [None])[0] == alias]
                raise RouterError(str(mine[0].get("message", "router error")), mine)
            if root_field.ttl_seconds > 0 and alias not in failed:
                by_ttl.setdefault(root_field.ttl_seconds, {})[key] = results[i]
                tags[key] = root_field.tags
        for ttl, values in by_ttl.items():
            await self._store.set_many("root", values, ttl, tags)


class Loaders:
    """The loaders of one request; entity loaders are created on first use, one per spec."""

    def __init__(self, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]) -> None:
        self.cache = cache
        self.router = router
        self.headers = dict(headers)
        self.root = RootLoader(cache, router, self.headers)
        self._entities: dict[str, EntityLoader] = {}

    def entity(self, spec: EntitySpec) -> EntityLoader:
        loader = self._entities.get(spec.name)
        if loader is None:
            loader = self._entities[spec.name] = EntityLoader(
                spec, self.cache, self.router, self.headers
            )
        return loader

    async def one(self, spec: EntitySpec, key: str) -> Any:
        return await self.entity(spec).load(key)

    async def many(self, spec: EntitySpec, keys: Iterable[str]) -> list[Any]:
        return list(await self.entity(spec).load_many(list(keys)))

    async def root_field(self, root: RootField) -> Any:
        return await self.root.load(root)

    def forget(self, matches: Callable[[str], bool]) -> None:
        """Drop this request's memoised entities whose tag matches (after a mutation)."""
        for loader in self._entities.values():
            prefix = loader.spec.tag_prefix
            for key in list(loader._cache):  # the DataLoader's own per-request memo
                if matches(f"{prefix}:{key}"):
                    loader.clear(str(key))
