"""The HTTP side of issue #8: who may send a request at all, decided before the GraphQL body is
parsed (CSRF prevention, bearer-token authentication, rate limiting through Redis).

:func:`build_request_gate` turns ``RouterConfig.security`` into a
:class:`~router.security.gate.RequestGate`; :func:`admit` runs it for one Starlette request. The
rate limit needs the operation name only for operations that have their own budget
(``rate_limit.per_operation``); without such rules the gate runs before the body is even read.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from redis.asyncio import Redis

from router.config import RouterConfig
from router.limits.rate_limit import RedisRateLimiter
from router.security.gate import Admission, RequestGate
from router.security.identity import verifier_from_settings

__all__ = ["admit", "build_request_gate", "needs_operation_name"]


def build_request_gate(
    config: RouterConfig, *, redis: Redis | None, http: httpx.AsyncClient
) -> RequestGate:
    """The gate for ``config.security``; no Redis means no rate limit (logged by the caller)."""
    security = config.security
    limiter = (
        RedisRateLimiter.from_settings(redis, security.rate_limit)
        if redis is not None and security.rate_limit.enabled
        else None
    )
    return RequestGate(
        security, verifier=verifier_from_settings(security.jwt, http), limiter=limiter
    )


def needs_operation_name(gate: RequestGate) -> bool:
    """Whether the gate must wait for the parsed body (an operation has its own budget)."""
    return gate.needs_operation_name


async def admit(
    gate: RequestGate,
    method: str,
    headers: Mapping[str, str],
    client_ip: str | None,
    operation_name: str | None,
) -> Admission:
    """Run the gate for a request from ``client_ip`` (resolved once: :mod:`router.http.client_ip`);
    ``headers`` with lower-cased names, repeated fields joined."""
    return await gate.admit(method, headers, client_ip, operation_name)
