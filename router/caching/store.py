"""The Redis side of the response cache: entries, their tag sets and tag versions.

Correctness under races (a reader that fetched before a change must not store its stale answer
after the invalidation): every tag has a version (``INCR`` on invalidation). A reader reads the
versions of its entry's tags *before* it asks the subgraph, and stores the answer only when
they are unchanged, atomically (one Lua script). An invalidation bumps the versions first, then
deletes the tagged entries, atomically too; so once it returned, no answer read before it can
be stored, and none stored before it survives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

__all__ = ["CacheStore", "Pending"]

_PUT = """
local n = tonumber(ARGV[3])
for i = 1, n do
  local current = redis.call('GET', KEYS[1 + i]) or '0'
  if current ~= ARGV[3 + i] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 1, n do
  redis.call('SADD', KEYS[1 + n + i], KEYS[1])
  redis.call('EXPIRE', KEYS[1 + n + i], ARGV[4 + n])
end
return 1
"""

_INVALIDATE = """
local dropped = 0
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for _, key in ipairs(members) do dropped = dropped + redis.call('DEL', key) end
  redis.call('DEL', KEYS[i + 1])
end
return dropped
"""


@dataclass(slots=True)
class Pending:
    """An answer to store once fetched: its key, tags and the tag versions read before."""

    key: str
    tags: Sequence[str]
    versions: Sequence[bytes | None]


class CacheStore:
    def __init__(self, redis: Redis, prefix: str, max_ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.max_ttl = max_ttl_seconds
        self._put = redis.register_script(_PUT)
        self._invalidate = redis.register_script(_INVALIDATE)

    def entry(self, *parts: str) -> str:
        return ":".join((self.prefix, "e", *parts))

    def _version(self, tag: str) -> str:
        return f"{self.prefix}:v:{tag}"

    def _set(self, tag: str) -> str:
        return f"{self.prefix}:t:{tag}"

    async def read(
        self, keys: Sequence[str], tags: Sequence[str]
    ) -> tuple[list[bytes | None], dict[str, bytes | None]]:
        """The entries ``keys`` and the current versions of ``tags``, in one round trip."""
        unique = list(dict.fromkeys(tags))
        found = await self.redis.mget([*keys, *(self._version(t) for t in unique)])
        values: list[bytes | None] = [
            v if isinstance(v, bytes | None) else v.encode() for v in found
        ]
        return values[: len(keys)], dict(zip(unique, values[len(keys) :], strict=True))

    async def ttl(self, key: str) -> int:
        return int(await self.redis.ttl(key))

    async def write(self, items: Sequence[tuple[Pending, bytes, int]]) -> None:
        """Store each (pending, value, ttl) whose tags kept their versions."""
        if not items:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for pending, value, ttl in items:
                tags = list(pending.tags)
                keys = [
                    pending.key,
                    *(self._version(t) for t in tags),
                    *(self._set(t) for t in tags),
                ]
                expected = [(v or b"0") for v in pending.versions]
                args: list[bytes | int] = [value, min(ttl, self.max_ttl), len(tags), *expected]
                args.append(self.max_ttl)
                await self._put(keys=keys, args=args, client=pipe)
            await pipe.execute()

    async def invalidate(self, tags: Sequence[str]) -> int:
        """Bump each tag's version and drop its entries; the number of entries dropped."""
        keys = [k for t in dict.fromkeys(tags) for k in (self._version(t), self._set(t))]
        if not keys:
            return 0
        return int(await self._invalidate(keys=keys))
