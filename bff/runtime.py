"""What a BFF process holds for its lifetime: router client, Redis cache, schema version.

Created in the app's lifespan; resolvers reach it through the per-request context. The schema
version (a hash of the supergraph file the router serves, else of the router's introspected
schema) is read at start and re-read every ``schema_poll_seconds``: when the supergraph changes,
cache keys change with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode

from bff.cache import RedisCache
from bff.events import CacheInvalidation
from bff.router_client import RouterClient, RouterError
from bff.router_manifest import build_router_manifest
from bff.settings import BFFSettings
from servicekit.auth import JwksClient, TokenVerifier
from servicekit.http import create_http_client
from servicekit.logging import get_logger
from servicekit.redis import create_redis

__all__ = ["BffRuntime"]

_log = get_logger("bff.runtime")


def _ready_operation(name: str, document: DocumentNode | None) -> OperationDefinitionNode | None:
    """``query Bff<Name>_Ready { __typename }`` of the BFF's router document, if it has one."""
    wanted = f"Bff{name.capitalize()}_Ready"
    for definition in document.definitions if document is not None else ():
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        if definition.name.value == wanted:
            return definition
    return None


class BffRuntime:
    """The long-lived collaborators of one BFF."""

    def __init__(
        self, name: str, settings: BFFSettings, router_document: DocumentNode | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        ids = None
        if settings.router_persisted_ids:
            if router_document is None:
                raise ValueError("router_persisted_ids needs the BFF's router document")
            manifest = build_router_manifest(router_document)  # = bff-<name>.router.json
            ids = {operation.name: operation.id for operation in manifest.operations}
        self.router = RouterClient(
            settings.router_url,
            timeout_seconds=settings.router_timeout_seconds,
            client_name=f"bff-{name}",
            operation_ids=ids,
            max_batch_size=settings.router_batch_max_size,
        )
        self.ready_operation = _ready_operation(name, router_document)
        """The piece ``/ready`` sends (``BffMobile_Ready``), by id when ids are on."""
        self.redis = create_redis(
            settings.redis_url, timeout_seconds=settings.redis_timeout_seconds
        )
        self.cache = RedisCache(
            self.redis,
            namespace=settings.cache_namespace,
            bff=name,
            retry_seconds=settings.redis_retry_seconds,
        )
        self._jwks_http = create_http_client(timeout_seconds=5.0, max_connections=4)
        self.jwks = JwksClient(
            settings.jwks_url,
            self._jwks_http,
            min_refresh_interval_seconds=settings.jwks_min_refresh_interval_seconds,
            max_age_seconds=settings.jwks_max_age_seconds,
        )
        self.verifier = TokenVerifier(
            self.jwks,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            leeway_seconds=settings.token_leeway_seconds,
        )
        """Verifies ``Authorization: Bearer`` before any resolver runs (:mod:`bff.authentication`)."""
        self._poller: asyncio.Task[None] | None = None
        self.events = CacheInvalidation(self.cache, f"bff_{name}")
        """Invalidates cache tags from other services' events (issue #15)."""
        self._events_task: asyncio.Task[None] | None = None
        self.specs: Any = None
        """The BFF's own entity specs (its selections and TTLs), set by its app factory."""

    async def refresh_schema_version(self) -> str | None:
        """Re-read the schema version; keep the old one when no source answers."""
        version = await self._schema_version()
        if version is None:
            return self.cache.schema_version
        if version != self.cache.schema_version:
            _log.info("cache version", schema_version=version)
            self.cache.schema_version = version
        return version

    async def _schema_version(self) -> str | None:
        """The supergraph file's hash, else the router's introspected schema's hash."""
        path = self.settings.supergraph_path
        if path is not None and path.is_file():
            return "sg-" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        try:
            return "is-" + await self.router.schema_hash()
        except RouterError as error:
            _log.warning(
                "no schema version (no supergraph file, router introspection refused): "
                "caching is off until one answers",
                error=str(error),
            )
            return None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.schema_poll_seconds)
            await self.refresh_schema_version()

    async def start(self) -> None:
        await self.refresh_schema_version()
        self._poller = asyncio.create_task(self._poll())
        self._events_task = asyncio.create_task(self.events.run())
        with contextlib.suppress(TimeoutError):  # subscribed before serving, when it can be
            await asyncio.wait_for(self.events.started.wait(), 15.0)

    async def stop(self) -> None:
        for task in (self._poller, self._events_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.events.stop()
        await self.router.aclose()
        await self.redis.aclose()
        await self._jwks_http.aclose()

    async def router_probe(self) -> Mapping[str, Any]:
        details = await self.router.probe(self.ready_operation)
        if self.cache.schema_version is None:
            await self.refresh_schema_version()
        return details

    def stats(self) -> dict[str, Any]:
        """Counters for ``/debug/stats`` (development mode) and the benchmark."""
        cache = self.cache.stats
        return {
            "router_requests": self.router.stats.requests,
            "router_requests_by_operation": dict(self.router.stats.by_operation),
            "cache": {
                "hits": cache.hits,
                "misses": cache.misses,
                "writes": cache.writes,
                "errors": cache.errors,
                "invalidated": cache.invalidated,
            },
            "schema_version": self.cache.schema_version,
        }
