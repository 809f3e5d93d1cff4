"""The BFFs' Redis cache: one ``MGET`` per batch, one script call per write-back, tags to invalidate.

Keys are ``{namespace}:{bff}:{schema_version}:{kind}:{key}``: per BFF, per entity and selection
(the ``kind``), versioned by the router's schema hash so a schema change never serves an old
shape. Every write also adds the key to shared tag sets (``{namespace}:tag:{tag}``, e.g.
``Product:1``), so a mutation in one BFF invalidates what both BFFs cached about the entity.

A write-back is one ``EVALSHA`` of :data:`_WRITE` (``SET ... EX`` each value, ``SADD`` +
``EXPIRE`` its tags), not a pipeline of three commands per entry: a cold 50-tile feed wrote 151
commands whose packing and reply parsing (one timeout per reply) were the BFF's largest cost on
its cold path (issue #20); the script is one command and one integer reply.

Redis is optional: any Redis error is logged, reported by :meth:`RedisCache.status` (``/ready``
shows it as degraded) and treated as a miss; for ``retry_seconds`` afterwards Redis is skipped so
a dead server costs no latency, then it is tried again and caching resumes on its own.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from servicekit.logging import get_logger

__all__ = ["CacheEntry", "CacheStats", "RedisCache", "is_missing"]

_log = get_logger("bff.cache")
_MISSING = object()
_TAG_TTL_FLOOR = 3600
"""A tag set lives at least an hour (it outlives entries of shorter TTLs sharing the tag)."""

_WRITE = """
local k, a = 1, 1
while a <= #ARGV do
  local key, n = KEYS[k], tonumber(ARGV[a + 2])
  redis.call('SET', key, ARGV[a], 'EX', ARGV[a + 1])
  for i = 1, n do
    redis.call('SADD', KEYS[k + i], key)
    redis.call('EXPIRE', KEYS[k + i], ARGV[a + 3])
  end
  k, a = k + 1 + n, a + 4
end
return #ARGV / 4
"""
"""Per entry: KEYS its key then its tag sets; ARGV its value, TTL, tag count and tag TTL."""

T = TypeVar("T")


@dataclass(frozen=True)
class CacheEntry:
    """One value to cache: where (kind, key), for how long, under which invalidation tags."""

    kind: str
    key: str
    value: Any
    ttl_seconds: int
    tags: tuple[str, ...] = ()


@dataclass
class CacheStats:
    """Counters since start, read by tests, benchmarks and ``/debug/stats``."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    errors: int = 0
    invalidated: int = 0


class RedisCache:
    """JSON values in Redis under one BFF's namespace, degrading to "always miss" on errors."""

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str,
        bff: str,
        retry_seconds: float = 1.0,
    ) -> None:
        self.redis = redis
        self.namespace = namespace
        self.bff = bff
        self.schema_version: str | None = None
        """Unknown until the router answered: no caching before that (no unversioned keys)."""
        self.retry_seconds = retry_seconds
        self.stats = CacheStats()
        self._down_until = 0.0
        self._last_error: str | None = None
        self._pending_tags: set[str] = set()
        """Tags whose invalidation failed (Redis unreachable): retried before the next read."""
        self._write = redis.register_script(_WRITE)

    # -- keys -------------------------------------------------------------------------------
    def key(self, kind: str, key: str) -> str:
        return f"{self.namespace}:{self.bff}:{self.schema_version}:{kind}:{key}"

    def tag_key(self, tag: str) -> str:
        return f"{self.namespace}:tag:{tag}"

    def raw_key(self, suffix: str) -> str:
        """A key outside the schema version (e.g. APQ documents, which do not depend on it)."""
        return f"{self.namespace}:{self.bff}:{suffix}"

    # -- health -----------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """Redis is used: not in its retry pause, and the schema version is known."""
        return self.schema_version is not None and time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        self.stats.errors += 1
        self._down_until = time.monotonic() + self.retry_seconds
        self._last_error = f"{type(error).__name__}: {error}"
        _log.warning("redis unavailable, serving from the router", op=operation, error=str(error))

    def _succeeded(self) -> None:
        if self._last_error is not None:
            _log.info("redis is back, caching resumes")
        self._last_error = None

    def status(self) -> dict[str, Any]:
        return {"schema_version": self.schema_version, "last_error": self._last_error}

    async def _run(self, operation: str, call: Callable[[], Awaitable[T]]) -> T | None:
        """Run one Redis round trip; ``None`` when Redis failed (logged, counted, paused).

        A connection error is retried once after dropping the idle pooled connections: after
        an outage the pool still holds sockets to the dead server, and the first command on each
        would otherwise fail although Redis is back.
        """
        for attempt in (1, 2):
            try:
                result = await call()
            except RedisConnectionError as error:
                if attempt == 1:
                    await self.redis.connection_pool.disconnect(inuse_connections=False)
                    continue
                self._failed(operation, error)
                return None
            except (RedisError, OSError) as error:
                self._failed(operation, error)
                return None
            self._succeeded()
            return result
        return None  # unreachable: the loop returns on its second attempt

    async def probe(self) -> Mapping[str, Any]:
        """Readiness (optional check): raises while Redis is down, so ``/ready`` says degraded."""
        if await self._run("ping", self.redis.ping) is None:
            raise RedisConnectionError(self._last_error or "redis unavailable")
        self._down_until = 0.0
        return {"schema_version": self.schema_version}

    # -- reads and writes ---------------------------------------------------------------------
    async def get_many(self, kind: str, keys: Sequence[str]) -> list[Any]:
        """One ``MGET``; a miss (or Redis down) is reported by :func:`is_missing`."""
        return await self.get_pairs([(kind, key) for key in keys])

    async def get_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[Any]:
        """``(kind, key)`` pairs of any kinds in one ``MGET``, in order."""
        if not pairs:
            return []
        raw = None
        if self._pending_tags and self.available:
            await self.invalidate_tags(())
        if self.available:
            full_keys = [self.key(kind, key) for kind, key in pairs]
            raw = await self._run("mget", lambda: self.redis.mget(full_keys))
        if raw is None:
            self.stats.misses += len(pairs)
            return [_MISSING] * len(pairs)
        values = [_MISSING if item is None else orjson.loads(item) for item in raw]
        hits = sum(1 for v in values if v is not _MISSING)
        self.stats.hits += hits
        self.stats.misses += len(values) - hits
        return values

    async def set_many(
        self,
        kind: str,
        values: Mapping[str, Any],
        ttl_seconds: int,
        tags: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """One write-back: ``SET ... EX`` each value, ``SADD`` + ``EXPIRE`` its tags."""
        await self.set_entries(
            [
                CacheEntry(kind, key, value, ttl_seconds, tuple((tags or {}).get(key, ())))
                for key, value in values.items()
            ]
        )

    async def set_entries(self, entries: Sequence[CacheEntry]) -> None:
        """Entries of any kinds and TTLs in one round trip (the :data:`_WRITE` script)."""
        if not entries or not self.available:
            return
        keys: list[str] = []
        args: list[bytes | int] = []
        for entry in entries:
            keys.append(self.key(entry.kind, entry.key))
            keys += [self.tag_key(tag) for tag in entry.tags]
            ttl = entry.ttl_seconds
            args += (orjson.dumps(entry.value), ttl, len(entry.tags), max(ttl, _TAG_TTL_FLOOR))
        if await self._run("write", lambda: self._write(keys=keys, args=args)) is not None:
            self.stats.writes += len(entries)

    async def invalidate_tags(self, tags: Iterable[str]) -> int:
        """Delete every key cached under ``tags`` (by both BFFs); returns how many were deleted.

        When Redis cannot be reached the tags are remembered and deleted before the next read,
        so entries that survived an outage (Redis unreachable, not restarted) are not served.
        """
        wanted = set(tags) | self._pending_tags
        tag_keys = [self.tag_key(t) for t in sorted(wanted)]
        if not tag_keys:
            return 0

        async def invalidate() -> tuple[int, int]:
            pipe = self.redis.pipeline(transaction=False)
            for tag_key in tag_keys:
                pipe.smembers(tag_key)
            members: list[set[bytes]] = await pipe.execute()
            keys = {k for group in members for k in group}
            return len(keys), int(await self.redis.delete(*keys, *tag_keys))

        outcome = await self._run("invalidate", invalidate)
        if outcome is None:
            self._pending_tags = wanted
            return 0
        self._pending_tags = set()
        self.stats.invalidated += outcome[0]
        return outcome[1]

    async def get_raw(self, suffix: str) -> bytes | None:
        if time.monotonic() < self._down_until:
            return None
        value = await self._run("get", lambda: self.redis.get(self.raw_key(suffix)))
        return value if isinstance(value, bytes) else None

    async def set_raw(self, suffix: str, value: bytes, ttl_seconds: int) -> None:
        if time.monotonic() < self._down_until:
            return
        await self._run("set", lambda: self.redis.set(self.raw_key(suffix), value, ex=ttl_seconds))


def is_missing(value: Any) -> bool:
    """True for a :meth:`RedisCache.get_many` miss (``None`` is a cached null, not a miss)."""
    return value is _MISSING
