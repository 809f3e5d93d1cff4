"""Throttle failed logins per username and per client, in Redis (shared by every accounts
process), as OWASP's authentication cheat sheet asks: after ``max_per_username`` failures for one
username, or ``max_per_client`` failures from one client, within ``window_seconds``, further
attempts are refused before any password is hashed (``LOGIN_THROTTLED``, with the seconds to wait
in ``extensions.retryAfter`` and a ``Retry-After`` header, RFC 9110 section 10.2.3).

Fixed windows: the first failure starts the window (``SET NX EX``), each failure counts
(``INCR``). A successful login clears its username's count. Usernames are hashed into keys (a
bounded key whatever the input). When Redis is unreachable logins are not throttled (logged):
availability of login beats a throttle that cannot count.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from servicekit.logging import get_logger

__all__ = ["LoginThrottle", "LoginThrottledError", "ThrottleLimits"]

_log = get_logger("subgraphs.accounts.throttle")


class LoginThrottledError(Exception):
    """Too many failed logins; ``retry_after`` seconds until the window ends."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"too many failed logins for this {scope}; retry in {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


@dataclass(frozen=True)
class ThrottleLimits:
    max_per_username: int = 5
    max_per_client: int = 50
    window_seconds: int = 300


class LoginThrottle:
    """Counts failures under ``<prefix>:u:<sha256(username)>`` and ``<prefix>:c:<client>``."""

    def __init__(self, redis: Redis | None, prefix: str, limits: ThrottleLimits) -> None:
        self._redis = redis
        self.prefix = prefix
        self.limits = limits

    def _keys(self, username: str, client: str) -> tuple[str, str]:
        digest = hashlib.sha256(username.encode()).hexdigest()[:32]
        return f"{self.prefix}:u:{digest}", f"{self.prefix}:c:{client[:64]}"

    async def check(self, username: str, client: str) -> None:
        """Raise :class:`LoginThrottledError` while either count is at its limit."""
        if self._redis is None:
            return
        user_key, client_key = self._keys(username, client)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(user_key)
                pipe.get(client_key)
                pipe.ttl(user_key)
                pipe.ttl(client_key)
                user_count, client_count, user_ttl, client_ttl = await pipe.execute()
        except (RedisError, OSError) as error:
            _log.warning("login.throttle_unavailable", error=repr(error))
            return
        limits = self.limits
        if int(user_count or 0) >= limits.max_per_username:
            raise LoginThrottledError(_seconds(user_ttl, limits.window_seconds), "username")
        if int(client_count or 0) >= limits.max_per_client:
            raise LoginThrottledError(_seconds(client_ttl, limits.window_seconds), "client")

    async def failed(self, username: str, client: str) -> None:
        if self._redis is None:
            return
        window = self.limits.window_seconds
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in self._keys(username, client):
                    pipe.set(key, 0, ex=window, nx=True)
                    pipe.incr(key)
                await pipe.execute()
        except (RedisError, OSError) as error:
            _log.warning("login.throttle_unavailable", error=repr(error))

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def succeeded(self, username: str, client: str) -> None:
        if self._redis is None:
            return
        try:
            await self._redis.delete(self._keys(username, client)[0])
        except (RedisError, OSError) as error:
            _log.warning("login.throttle_unavailable", error=repr(error))


def _seconds(ttl: object, window: int) -> int:
    """A key's remaining TTL as a Retry-After value (at least 1)."""
    return max(1, int(ttl)) if isinstance(ttl, int) and ttl > 0 else window
