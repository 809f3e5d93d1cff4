"""The BFFs' Redis cache: one ``MGET`` per batch, one script call per write-back, tags to invalidate.

Keys are ``{namespace}:{bff}:{schema_version}:{kind}:{key}``: per BFF, per entity and selection
(the ``kind``), versioned by the router's schema hash so a schema change never serves an old
shape. Every write also adds the key to shared tag sets (``{namespace}:tag:{tag}``, e.g.
``Product:1``), so a mutation in one BFF invalidates what both BFFs cached about the entity.

A write-back is one ``EVALSHA`` of :data:`_WRITE` (``SET ... EX`` each value, ``SADD`` +
``EXPIRE`` its tags), not a pipeline of three commands per entry: a cold 50-tile feed wrote 151
commands whose packing and reply parsing (one timeout per reply) were the BFF's largest cost on
its cold path (issue #20); the script is one command and one integer reply.

A write-back never undoes an invalidation. A read takes the namespace's invalidation counter
(``{namespace}:invalidations``) in the same ``MGET``; each invalidation (:data:`_INVALIDATE`, one
atomic script) increments it and stamps its tags with the new value
(``{namespace}:tagstamp:{tag}``) before deleting their keys. The write-back skips every entry one
of whose tags was stamped after its read began: the value was fetched from the router before the
change the invalidation announced had certainly been seen, so writing it would serve the old
value for a whole TTL (an order's ``PENDING`` status written back just after the
``OrderStatusChanged`` event deleted it).

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

__all__ = ["CacheEntry", "CacheRead", "CacheStats", "RedisCache", "is_missing"]

_log = get_logger("bff.cache")
_MISSING = object()
_TAG_TTL_FLOOR = 3600
"""A tag set lives at least an hour (it outlives entries of shorter TTLs sharing the tag), and so
does a tag's invalidation stamp (it outlives any read in flight)."""
_NEVER_STALE = 2**53
"""The read generation of a write that follows no read: above any stamp (Lua numbers are
doubles, exact to 2**53)."""

_WRITE = """
local read_at = tonumber(ARGV[1])
local k, a, written = 1, 2, 0
while a <= #ARGV do
  local key, n = KEYS[k], tonumber(ARGV[a + 2])
  local stale = false
  for i = 1, n do
    local stamp = redis.call('GET', KEYS[k + n + i])
    if stamp and tonumber(stamp) > read_at then stale = true end
  end
  if not stale then
    redis.call('SET', key, ARGV[a], 'EX', ARGV[a + 1])
    for i = 1, n do
      redis.call('SADD', KEYS[k + i], key)
      redis.call('EXPIRE', KEYS[k + i], ARGV[a + 3])
    end
    written = written + 1
  end
  k, a = k + 1 + 2 * n, a + 4
end
return written
"""
"""ARGV[1] the invalidation counter the read saw; per entry: KEYS its key, its tag sets, its tags'
stamps; ARGV its value, TTL, tag count and tag TTL. Returns how many entries were written."""

_INVALIDATE = """
local at = redis.call('INCR', KEYS[1])
local n = (#KEYS - 1) / 2
local doomed = {}
for i = 1, n do
  redis.call('SET', KEYS[1 + n + i], at, 'EX', ARGV[1])
  for _, member in ipairs(redis.call('SMEMBERS', KEYS[1 + i])) do doomed[member] = true end
end
local keys = {}
for member in pairs(doomed) do keys[#keys + 1] = member end
local entries = #keys
for i = 1, n do keys[#keys + 1] = KEYS[1 + i] end
local deleted = 0
for first = 1, #keys, 1000 do
  deleted = deleted + redis.call('DEL', unpack(keys, first, math.min(first + 999, #keys)))
end
return {entries, deleted}
"""
"""KEYS the counter, the tag sets, then their stamps; ARGV the stamps' TTL. Returns how many
cached entries the tags held and how many keys were deleted."""

T = TypeVar("T")


@dataclass(frozen=True)
class CacheEntry:
    """One value to cache: where (kind, key), for how long, under which invalidation tags."""

    kind: str
    key: str
    value: Any
    ttl_seconds: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CacheRead:
    """What one ``MGET`` found, and the invalidation counter when it ran.

    ``generation`` is ``None`` when Redis was not read (down, or the schema version unknown):
    nothing fetched after such a read may be written back, since no later invalidation could be
    told apart from an earlier one.
    """

    values: list[Any]
    generation: int | None


@dataclass
class CacheStats:
    """Counters since start, read by tests, benchmarks and ``/debug/stats``."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    errors: int = 0
    invalidated: int = 0
    stale_writes: int = 0
    """Entries not written back because one of their tags was invalidated after their read."""


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
        self._invalidate = redis.register_script(_INVALIDATE)

    # -- keys -------------------------------------------------------------------------------
    def key(self, kind: str, key: str) -> str:
        return f"{self.namespace}:{self.bff}:{self.schema_version}:{kind}:{key}"

    def tag_key(self, tag: str) -> str:
        return f"{self.namespace}:tag:{tag}"

    def stamp_key(self, tag: str) -> str:
        """When ``tag`` was last invalidated, as a value of :meth:`counter_key`."""
        return f"{self.namespace}:tagstamp:{tag}"

    def counter_key(self) -> str:
        """How many invalidations the namespace has seen (shared by both BFFs, like the tags)."""
        return f"{self.namespace}:invalidations"

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
        return (await self.read([(kind, key) for key in keys])).values

    async def read(self, pairs: Sequence[tuple[str, str]]) -> CacheRead:
        """``(kind, key)`` pairs of any kinds in one ``MGET``, in order, with the invalidation
        counter, for a write-back of what was missing (:meth:`set_entries`)."""
        if not pairs:
            return CacheRead([], None)
        raw = None
        if self._pending_tags and self.available:
            await self.invalidate_tags(())
        if self.available:
            full_keys = [self.key(kind, key) for kind, key in pairs]
            full_keys.append(self.counter_key())
            raw = await self._run("mget", lambda: self.redis.mget(full_keys))
        if raw is None:
            self.stats.misses += len(pairs)
            return CacheRead([_MISSING] * len(pairs), None)
        *found, counter = raw
        values = [_MISSING if item is None else orjson.loads(item) for item in found]
        hits = sum(1 for v in values if v is not _MISSING)
        self.stats.hits += hits
        self.stats.misses += len(values) - hits
        return CacheRead(values, int(counter or 0))

    async def set_many(
        self,
        kind: str,
        values: Mapping[str, Any],
        ttl_seconds: int,
        tags: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Write values read from elsewhere (no cache read preceded them): unconditionally."""
        await self.set_entries(
            [
                CacheEntry(kind, key, value, ttl_seconds, tuple((tags or {}).get(key, ())))
                for key, value in values.items()
            ],
            read_generation=None,
        )

    async def set_entries(
        self, entries: Sequence[CacheEntry], *, read_generation: int | None
    ) -> None:
        """Entries of any kinds and TTLs in one round trip (the :data:`_WRITE` script).

        ``read_generation`` is :attr:`CacheRead.generation` of the read the entries missed in:
        an entry with a tag invalidated since is dropped. ``None`` writes whatever happened
        since, for values that did not come through a read.
        """
        if not entries or not self.available:
            return
        keys: list[str] = []
        args: list[bytes | int] = [_NEVER_STALE if read_generation is None else read_generation]
        for entry in entries:
            keys.append(self.key(entry.kind, entry.key))
            keys += [self.tag_key(tag) for tag in entry.tags]
            keys += [self.stamp_key(tag) for tag in entry.tags]
            ttl = entry.ttl_seconds
            args += (orjson.dumps(entry.value), ttl, len(entry.tags), max(ttl, _TAG_TTL_FLOOR))
        written = await self._run("write", lambda: self._write(keys=keys, args=args))
        if written is not None:
            self.stats.writes += int(written)
            self.stats.stale_writes += len(entries) - int(written)

    async def invalidate_tags(self, tags: Iterable[str]) -> int:
        """Delete every key cached under ``tags`` (by both BFFs); returns how many were deleted.

        The tags are stamped in the same script, so a read that began before this call cannot
        write its now stale values back afterwards (see the module's docstring).

        When Redis cannot be reached the tags are remembered and deleted before the next read,
        so entries that survived an outage (Redis unreachable, not restarted) are not served.
        """
        wanted = sorted(set(tags) | self._pending_tags)
        if not wanted:
            return 0
        keys = [
            self.counter_key(),
            *(self.tag_key(t) for t in wanted),
            *(self.stamp_key(t) for t in wanted),
        ]
        outcome = await self._run(
            "invalidate", lambda: self._invalidate(keys=keys, args=[_TAG_TTL_FLOOR])
        )
        if outcome is None:
            self._pending_tags = set(wanted)
            return 0
        self._pending_tags = set()
        entries, deleted = outcome
        self.stats.invalidated += int(entries)
        return int(deleted)

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
