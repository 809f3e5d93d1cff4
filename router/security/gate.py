"""Admission before the body is parsed as GraphQL, in request order: CSRF prevention, then
authentication (401 with an RFC 6750 ``WWW-Authenticate`` challenge), then the rate limit keyed by
the verified subject or the client address (429 with ``Retry-After``).

The rate limit is :mod:`router.limits` code with :mod:`router.limits` settings; this gate only
calls it, through the :class:`RateLimit` protocol, after authentication has named the caller (so
this package imports nothing from ``limits``). The checks on the operation itself (introspection
switch, limits, authorization) are stages of the gateway's pipeline (:mod:`router.gateway`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from router.request import GraphQLResponse
from router.security.csrf import check_csrf
from router.security.identity import authenticate, authentication_error_response
from router.security.settings import SecuritySettings
from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.auth.principal import ANONYMOUS, Principal
from servicekit.auth.verify import TokenVerifier

__all__ = ["Admission", "RateDecision", "RateLimit", "RequestGate"]


class RateDecision(Protocol):
    """A rate-limit verdict (``router.limits.rate_limit.RateLimitDecision``)."""

    @property
    def allowed(self) -> bool: ...

    def headers(self) -> dict[str, str]: ...

    def to_response(self) -> GraphQLResponse: ...


class RateLimit(Protocol):
    """A rate limiter with its rules (``router.limits.rate_limit.RedisRateLimiter``)."""

    @property
    def needs_operation_name(self) -> bool: ...

    async def check(
        self, principal: Principal, client_ip: str | None, operation_name: str | None
    ) -> RateDecision | None: ...


@dataclass(frozen=True)
class Admission:
    """Who is calling, and the response to send instead when the request is refused."""

    principal: Principal
    refusal: GraphQLResponse | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers either way (``RateLimit-*``, ``Retry-After``, ``WWW-Authenticate``)."""


class RequestGate:
    def __init__(
        self,
        settings: SecuritySettings,
        *,
        verifier: TokenVerifier | None = None,
        limiter: RateLimit | None = None,
    ) -> None:
        self.settings = settings
        self.verifier = verifier
        self.limiter = limiter

    @property
    def needs_operation_name(self) -> bool:
        """Whether admission must wait for the parsed body (an operation has its own budget)."""
        return self.limiter is not None and self.limiter.needs_operation_name

    async def admit(
        self,
        method: str,
        headers: Mapping[str, str],
        client_ip: str | None,
        operation_name: str | None,
    ) -> Admission:
        """``headers`` with lower-cased names, as in :class:`router.request.GraphQLRequest`;
        ``client_ip`` as the HTTP layer resolved it (the per-IP budget's key)."""
        csrf = self.settings.csrf
        refused = check_csrf(
            method, headers, enabled=csrf.enabled, required_headers=csrf.required_headers
        )
        if refused is not None:
            return Admission(ANONYMOUS, refused)
        try:
            principal = await authenticate(
                headers,
                self.verifier,
                require_authentication=self.settings.authorization.require_authentication,
            )
        except AuthenticationError as error:
            return Admission(ANONYMOUS, authentication_error_response(error), _challenge(error))
        if self.limiter is None:
            return Admission(principal)
        decision = await self.limiter.check(principal, client_ip, operation_name)
        if decision is None:
            return Admission(principal)
        refusal = None if decision.allowed else decision.to_response()
        return Admission(principal, refusal, decision.headers())


def _challenge(error: AuthenticationError) -> dict[str, str]:
    """RFC 6750 section 3: no error code when credentials were simply missing."""
    if error.reason is AuthFailure.MISSING_TOKEN:
        return {"WWW-Authenticate": "Bearer"}
    return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
