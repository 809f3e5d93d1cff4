"""Request rate limiting shared by every router process: a token bucket per key in Redis, updated
atomically by one Lua script (read, refill, take, write in a single step, so two routers can never
both spend the last token). Time comes from Redis' ``TIME``, so router clocks need not agree.

Keys are per client (the token's subject, or the IP when anonymous) and, by default, per operation
name. A denial carries ``Retry-After`` seconds (RFC 9110 section 10.2.3) and answers 429 with
code ``REQUEST_RATE_LIMITED`` (Apollo Router's code). When Redis is unreachable the limiter fails
open with a (throttled) warning, or closed when configured: availability or strictness is the
operator's choice.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.request import GraphQLResponse
from router.security.settings import RateLimitRule, RateLimitSettings
from servicekit.auth.principal import Principal
from servicekit.logging import get_logger

__all__ = [
    "REQUEST_RATE_LIMITED",
    "RateLimitDecision",
    "RedisRateLimiter",
    "check_request_rate",
    "client_key",
]

REQUEST_RATE_LIMITED = "REQUEST_RATE_LIMITED"
log = get_logger(__name__)

_TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * per_ms)
local allowed = 0
local retry_ms = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry_ms = math.ceil((cost - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return {allowed, math.floor(tokens), retry_ms}
"""


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """``degraded`` means Redis did not answer and the configured failure mode decided."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int
    degraded: bool = False

    def headers(self) -> dict[str, str]:
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_seconds)
        return headers

    def to_response(self) -> GraphQLResponse:
        """The 429 request error for a denial."""
        return GraphQLResponse.request_error(
            "Your request has been rate limited",
            REQUEST_RATE_LIMITED,
            status_hint=429,
            retryAfterSeconds=self.retry_after_seconds,
        )


class RedisRateLimiter:
    """Token buckets under ``<prefix>:<key>``."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "ratelimit",
        fail_closed: bool = False,
        warn_every_seconds: float = 10.0,
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(_TOKEN_BUCKET)
        self.prefix = prefix
        self.fail_closed = fail_closed
        self.warn_every_seconds = warn_every_seconds
        self._last_warning = -math.inf

    @classmethod
    def from_settings(cls, redis: Redis, settings: RateLimitSettings) -> RedisRateLimiter:
        return cls(redis, prefix=settings.key_prefix, fail_closed=settings.fail_closed)

    async def hit(self, key: str, rule: RateLimitRule, cost: int = 1) -> RateLimitDecision:
        """Take ``cost`` tokens from the bucket ``key`` if it has them."""
        per_ms = rule.requests / (rule.per_seconds * 1000.0)
        try:
            allowed, remaining, retry_ms = await self._script(
                keys=[f"{self.prefix}:{key}"], args=[rule.requests, repr(per_ms), cost]
            )
        except (RedisError, OSError) as error:
            return self._degraded(rule, error)
        return RateLimitDecision(
            allowed=bool(allowed),
            limit=rule.requests,
            remaining=int(remaining),
            retry_after_seconds=0 if allowed else max(1, math.ceil(int(retry_ms) / 1000)),
        )

    def _degraded(self, rule: RateLimitRule, error: Exception) -> RateLimitDecision:
        now = time.monotonic()
        if now - self._last_warning >= self.warn_every_seconds:
            self._last_warning = now
            log.warning(
                "rate_limit_redis_unavailable",
                fail_closed=self.fail_closed,
                error=f"{type(error).__name__}: {error}",
            )
        return RateLimitDecision(
            allowed=not self.fail_closed,
            limit=rule.requests,
            remaining=0,
            retry_after_seconds=1 if self.fail_closed else 0,
            degraded=True,
        )


def client_key(principal: Principal, client_ip: str | None) -> str:
    """``sub:<subject>`` for a verified caller, else ``ip:<address>``."""
    if principal.subject is not None:
        return f"sub:{principal.subject}"
    return f"ip:{client_ip or 'unknown'}"


async def check_request_rate(
    limiter: RedisRateLimiter,
    settings: RateLimitSettings,
    principal: Principal,
    client_ip: str | None,
    operation_name: str | None,
) -> RateLimitDecision | None:
    """The decision for one request, or None when no rule applies to this caller."""
    rule = settings.authenticated if principal.is_authenticated else settings.anonymous
    if rule is None:
        return None
    key = client_key(principal, client_ip)
    if settings.per_operation_name:
        key = f"{key}:op:{operation_name or '-'}"
    return await limiter.hit(key, rule)
