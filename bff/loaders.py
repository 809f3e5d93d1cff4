"""Per-request dataloaders over the router, read through the Redis cache (issue #6, "No N+1").

Two kinds cover every screen:

* :class:`EntityLoader`: entities by key through a batch root field (``productsByUpc``,
  ``usersById`` ...) with one fixed selection (:class:`~bff.specs.EntitySpec`);
* :class:`RootLoader`: root fields with literal arguments (``topProducts(first: 8) { upc }``).

Each loader collects its keys for a few event-loop iterations, then hands the batch to the
request's :class:`~bff.batching.StepBatcher`, which merges the batches of one execution step into
one ``MGET``, one router request for the misses and one write-back pipeline. So a screen costs a
constant number of router requests whatever its list lengths, and a warm screen costs none.
Loaders live for one request (:class:`Loaders`), so nothing leaks between users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiodataloader import DataLoader, Loader, dispatch_queue

from bff.batching import WINDOW, StepBatcher
from bff.cache import RedisCache
from bff.router_client import RouterClient
from bff.specs import EntitySpec, RootField, literal

__all__ = ["EntityLoader", "EntitySpec", "Loaders", "RootField", "RootLoader", "literal"]


class _WindowedLoader(DataLoader[Any, Any]):
    """Dispatches a few event-loop iterations after the first load instead of one.

    GraphQL execution reaches sibling fields of a list a couple of iterations apart (a resolver
    awaiting one loader, a nested field resolved after completion); waiting ``WINDOW`` iterations
    (microseconds) lets them share one batch.
    """

    def do_resolve_reject(self, key: Any, future: Any) -> None:
        self._queue.append(Loader(key=key, future=future))
        if len(self._queue) == 1:
            self._dispatch_after(WINDOW)

    def _dispatch_after(self, iterations: int) -> None:
        if iterations > 0:
            self.loop.call_soon(self._dispatch_after, iterations - 1)
        else:
            dispatch_queue(self)


class EntityLoader(_WindowedLoader):
    """Entities of one :class:`EntitySpec` (``None`` for an unknown key)."""

    def __init__(self, spec: EntitySpec, batcher: StepBatcher) -> None:
        super().__init__()
        self.spec = spec
        self._batcher = batcher

    async def batch_load_fn(self, keys: Sequence[str]) -> list[Any]:
        return await self._batcher.entities(self.spec, keys)


class RootLoader(_WindowedLoader):
    """Root field calls; cached ones (``ttl_seconds > 0``) come from Redis when present."""

    def __init__(self, batcher: StepBatcher) -> None:
        super().__init__()
        self._batcher = batcher

    async def batch_load_fn(self, fields: Sequence[RootField]) -> list[Any]:
        return await self._batcher.roots(fields)


class Loaders:
    """The loaders of one request; entity loaders are created on first use, one per spec."""

    def __init__(self, cache: RedisCache, router: RouterClient, headers: Mapping[str, str]) -> None:
        self.cache = cache
        self.router = router
        self.headers = dict(headers)
        self.batcher = StepBatcher(cache, router, self.headers)
        self.root = RootLoader(self.batcher)
        self._entities: dict[str, EntityLoader] = {}

    def entity(self, spec: EntitySpec) -> EntityLoader:
        loader = self._entities.get(spec.name)
        if loader is None:
            loader = self._entities[spec.name] = EntityLoader(spec, self.batcher)
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
