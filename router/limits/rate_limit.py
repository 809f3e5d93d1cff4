"""Request rate limiting shared by every router process: token buckets in Redis, updated
atomically by one Lua script (read, refill, take, write in a single step, so two routers can never
both spend the last token). Time comes from Redis' ``TIME``, so router clocks need not agree.

A request takes one token from its client's bucket (the verified token's subject, whatever its
IP, under ``authenticated``; the client IP the HTTP layer resolved under ``anonymous``) and, for operation names with a configured rule, from the (client, operation) bucket:
all or nothing, in the same script. Operation names without a rule create no keys, so a client
cannot multiply its budget by inventing names. A denial carries ``Retry-After`` seconds (RFC 9110
section 10.2.3) and answers 429 with code ``REQUEST_RATE_LIMITED`` (Apollo Router's code). When
Redis is unreachable the limiter fails open with a throttled warning, or closed when configured.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.limits.settings import RateLimitRule, RateLimitSettings
from router.request import GraphQLResponse
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

# ARGV: cost, then (capacity, tokens per millisecond) for each key.
# Returns: allowed (0/1), index (1-based) of the tightest bucket, its tokens left, retry ms.
_TOKEN_BUCKETS = """
local cost = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tokens = {}
local allowed = 1
local retry_ms = 0
local tightest = 1
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local per_ms = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local current = tonumber(state[1])
  local ts = tonumber(state[2])
  if current == nil or ts == nil then
    current = capacity
    ts = now
  end
  current = math.min(capacity, current + math.max(0, now - ts) * per_ms)
  tokens[i] = current
  if current < cost then
    allowed = 0
    retry_ms = math.max(retry_ms, math.ceil((cost - current) / per_ms))
  end
  if current < tokens[tightest] then
    tightest = i
  end
end
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local per_ms = tonumber(ARGV[2 * i + 1])
  if allowed == 1 then
    tokens[i] = tokens[i] - cost
  end
  redis.call('HSET', key, 'tokens', tostring(tokens[i]), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(capacity / per_ms) + 1000)
end
return {allowed, tightest, math.floor(math.max(0, tokens[tightest])), retry_ms}
"""


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """``limit``/``remaining`` describe the tightest bucket; ``degraded`` means Redis did not
    answer and the configured failure mode decided."""

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
    """Token buckets under ``<prefix>:<key>``; ``settings`` holds the rules :meth:`check`
    applies (the security gate calls it after authentication)."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "ratelimit",
        fail_closed: bool = False,
        warn_every_seconds: float = 10.0,
        settings: RateLimitSettings | None = None,
    ) -> None:
        self._script = redis.register_script(_TOKEN_BUCKETS)
        self.prefix = prefix
        self.fail_closed = fail_closed
        self.settings = settings or RateLimitSettings()
        self.warn_every_seconds = warn_every_seconds
        self._last_warning = -math.inf

    @classmethod
    def from_settings(cls, redis: Redis, settings: RateLimitSettings) -> RedisRateLimiter:
        return cls(
            redis, prefix=settings.key_prefix, fail_closed=settings.fail_closed, settings=settings
        )

    @property
    def needs_operation_name(self) -> bool:
        """Whether an operation has its own budget (the body must be read before the check)."""
        return bool(self.settings.per_operation)

    async def check(
        self, principal: Principal, client_ip: str | None, operation_name: str | None
    ) -> RateLimitDecision | None:
        """This request's decision under :attr:`settings`; None when no rule applies."""
        return await check_request_rate(self, self.settings, principal, client_ip, operation_name)

    async def hit(self, key: str, rule: RateLimitRule, cost: int = 1) -> RateLimitDecision:
        """Take ``cost`` tokens from the bucket ``key`` if it has them."""
        return await self.hit_all([(key, rule)], cost)

    async def hit_all(
        self, buckets: Sequence[tuple[str, RateLimitRule]], cost: int = 1
    ) -> RateLimitDecision:
        """Take ``cost`` tokens from every bucket, or from none when one lacks them."""
        if not buckets:
            raise ValueError("at least one bucket is needed")
        args: list[str | int] = [cost]
        for _, rule in buckets:
            args += [rule.requests, repr(rule.requests / (rule.per_seconds * 1000.0))]
        try:
            allowed, tightest, remaining, retry_ms = await self._script(
                keys=[f"{self.prefix}:{key}" for key, _ in buckets], args=args
            )
        except (RedisError, OSError) as error:
            return self._degraded(buckets[0][1], error)
        return RateLimitDecision(
            allowed=bool(allowed),
            limit=buckets[int(tightest) - 1][1].requests,
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
    client = client_key(principal, client_ip)
    buckets: list[tuple[str, RateLimitRule]] = []
    rule = settings.authenticated if principal.is_authenticated else settings.anonymous
    if rule is not None:
        buckets.append((client, rule))
    operation_rule = settings.per_operation.get(operation_name or "")
    if operation_rule is not None:
        buckets.append((f"{client}:op:{operation_name}", operation_rule))
    return await limiter.hit_all(buckets) if buckets else None
