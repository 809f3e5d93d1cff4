"""Per-request dataloaders over the router, read through the Redis cache (issue #6, "No N+1").

Two kinds cover every screen:

* an entity loader per :class:`~bff.specs.EntitySpec`: entities by key through a batch root
  field (``productsByUpc``, ``usersById`` ...) with one fixed selection;
* the root loader: root field calls (:class:`~bff.specs.RootField`, ``topProducts(first: 8)``).

Both are plain :class:`aiodataloader.DataLoader` objects configured through its public options
(``batch_load_fn``, ``cache_map``): each collects the keys loaded in one event-loop iteration
and hands them to the request's :class:`~bff.batching.StepBatcher`, which waits a few more
iterations for the other loaders of the same execution step and merges every batch into one
``MGET``, one router request for the misses and one write-back pipeline. So a screen costs a
constant number of router requests whatever its list lengths, and a warm screen costs none.
Loaders live for one request (:class:`Loaders`), so nothing leaks between users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiodataloader import DataLoader

from bff.batching import StepBatcher
from bff.cache import RedisCache
from bff.router_client import RouterClient
from bff.specs import EntitySpec, RootField

__all__ = ["Loaders"]


class Loaders:
    """The loaders of one request; entity loaders are created on first use, one per spec."""

    def __init__(self, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]) -> None:
        self.cache = cache
        self.router = router
        self.headers = dict(headers)
        self.batcher = StepBatcher(cache, router, self.headers)

        async def load_roots(fields: list[RootField]) -> list[Any]:
            return await self.batcher.roots(fields)

        self.root: DataLoader[RootField, Any] = DataLoader(batch_load_fn=load_roots)
        self._entities: dict[str, tuple[EntitySpec, DataLoader[str, Any], dict[str, Any]]] = {}

    def entity(self, spec: EntitySpec) -> DataLoader[str, Any]:
        entry = self._entities.get(spec.name)
        if entry is None:
            memo: dict[str, Any] = {}  # the loader's per-request memo, ours to inspect

            async def load(keys: list[str]) -> list[Any]:
                return await self.batcher.entities(spec, keys)

            entry = (spec, DataLoader(batch_load_fn=load, cache_map=memo), memo)
            self._entities[spec.name] = entry
        return entry[1]

    async def one(self, spec: EntitySpec, key: str) -> Any:
        return await self.entity(spec).load(key)

    async def many(self, spec: EntitySpec, keys: Iterable[str]) -> list[Any]:
        return list(await self.entity(spec).load_many(list(keys)))

    async def root_field(self, root: RootField) -> Any:
        return await self.root.load(root)

    def forget(self, matches: Callable[[str], bool]) -> None:
        """Drop this request's memoised entities whose tag matches (after a mutation)."""
        for spec, loader, memo in self._entities.values():
            for key in list(memo):
                if matches(f"{spec.tag_prefix}:{key}"):
                    loader.clear(key)
