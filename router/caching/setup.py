"""Wire the response cache, its invalidation and the plan warm-up into a router (issue #17):
the one call ``router.cli.build_app`` makes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis
from starlette.routing import BaseRoute, Route

from router.cache_settings import ResponseCacheSettings
from router.caching.fetch import ResponseCache
from router.caching.invalidation import EventInvalidation, InvalidationEndpoint
from router.caching.store import CacheStore
from router.caching.warmup import PlanWarmup
from router.execution.executor import FetchCache
from servicekit.logging import get_logger

__all__ = ["Cacheable", "Caching", "install_caching"]

_log = get_logger("router.caching")
KeyFields = dict[str, dict[str, frozenset[str]]]
Hook = Callable[[], Awaitable[None]]


class Cacheable(Protocol):
    """What of :class:`router.gateway.Gateway` caching uses."""

    previous_documents: list[str]

    def use_fetch_cache(
        self, factory: Callable[[KeyFields], FetchCache], tags_header: str | None
    ) -> None: ...

    def warm_plans(self, operations: Iterable[tuple[str, str | None]]) -> int: ...

    def on_swap(self, listener: Callable[[], None]) -> None: ...


@dataclass(slots=True)
class Caching:
    """What the router serves and runs for caching: routes, start and stop hooks."""

    routes: list[BaseRoute] = field(default_factory=list)
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    caches: list[ResponseCache] = field(default_factory=list)
    warmup: PlanWarmup | None = None
    events: EventInvalidation | None = None


def install_caching(
    gateway: Cacheable, settings: ResponseCacheSettings, redis: Redis | None
) -> Caching:
    """Plan warm-up whenever configured; the response cache when ``enabled`` and Redis is
    configured (else a warning: the router serves uncached); the invalidation endpoint when a
    shared key is set in the environment."""
    caching = Caching()
    if settings.warmup.enabled:
        warmup = PlanWarmup(gateway, settings.warmup.manifests, settings.warmup.most_used)
        caching.warmup = warmup
        caching.on_startup.append(warmup.at_boot)
        gateway.on_swap(warmup.on_swap)
    if not settings.enabled:
        return caching
    if redis is None:
        _log.warning("response_cache enabled without a Redis URL: not caching")
        return caching
    store = CacheStore(redis, settings.key_prefix, settings.max_ttl_seconds)
    only = frozenset(settings.subgraphs) if settings.subgraphs is not None else None

    def factory(key_fields: KeyFields) -> FetchCache:
        cache = ResponseCache(store, key_fields, only)
        caching.caches.append(cache)
        del caching.caches[:-1]  # the current supergraph's
        return cache

    gateway.use_fetch_cache(factory, settings.cdn_tags_header)
    invalidation = settings.invalidation
    if invalidation.enabled:
        key = invalidation.shared_key()
        if key is None:
            _log.warning(
                "response_cache invalidation endpoint off: no shared key",
                env=invalidation.shared_key_env,
            )
        else:
            endpoint = InvalidationEndpoint(store, key)
            caching.routes.append(Route(invalidation.path, endpoint.handle, methods=["POST"]))
    if invalidation.events:
        events = EventInvalidation(store)
        caching.events = events
        caching.on_startup.append(events.start)
        caching.on_shutdown.append(events.stop)
    return caching
