"""Configuration of identity, authorization, CSRF, limits, rate limiting and subgraph resilience:
pydantic models with safe defaults, meant to hang off ``RouterConfig`` as one field
(``security: SecuritySettings``) and to be read from the router's YAML.

Defaults follow Apollo Router where it has one: CSRF prevention on with ``x-apollo-operation-name``
and ``apollo-require-preflight`` as preflight headers; authorization directives in *filter* mode
(unauthorized fields removed, errors at their paths); demand control enforcing. The bare default has
no rate limit (a single developer behind one IP would trip it); :meth:`SecuritySettings.development`
is the preset the dev/compose config uses (300 anonymous requests per 10 s per IP). Introspection
follows the mode: on in development, off in production, unless set explicitly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from router.resilience.settings import (
    BreakerSettings,
    ConcurrencySettings,
    ResilienceSettings,
    RetrySettings,
)

__all__ = [
    "AuthorizationSettings",
    "BreakerSettings",
    "ConcurrencySettings",
    "CsrfSettings",
    "JwtSettings",
    "LimitsSettings",
    "RateLimitRule",
    "RateLimitSettings",
    "ResilienceSettings",
    "RetrySettings",
    "SecuritySettings",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JwtSettings(_Strict):
    """Bearer tokens verified against the issuer's JWKS (``servicekit.auth``)."""

    enabled: bool = False
    jwks_url: str | None = None
    issuer: str | None = None
    audience: str = "federation-router"
    algorithms: tuple[str, ...] = ("EdDSA",)
    leeway_seconds: float = Field(default=5.0, ge=0)
    jwks_min_refresh_interval_seconds: float = Field(default=30.0, ge=0)
    jwks_max_age_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> JwtSettings:
        if self.enabled and not (self.jwks_url and self.issuer):
            raise ValueError("jwt.enabled needs jwks_url and issuer")
        if "none" in (a.lower() for a in self.algorithms):
            raise ValueError("alg 'none' is never accepted")
        return self


class AuthorizationSettings(_Strict):
    """``@authenticated`` / ``@requiresScopes`` enforcement (Apollo's ``authorization``)."""

    directives_enabled: bool = True
    require_authentication: bool = False
    """Refuse every request without a valid token (401) before planning."""
    reject_unauthorized: bool = False
    """Refuse the whole operation when any field is unauthorized, instead of filtering it."""


class CsrfSettings(_Strict):
    """Apollo Router's CSRF prevention (``csrf.unsafe_disabled`` / ``csrf.required_headers``)."""

    enabled: bool = True
    required_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")


class LimitsSettings(_Strict):
    """Operation limits and demand control (body size is the HTTP layer's)."""

    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_root_fields: int = Field(default=20, ge=1)
    max_cost: float = Field(default=5000.0, gt=0)
    default_list_size: int = Field(default=5, ge=0)
    """Assumed length of lists without ``@listSize``: 5 keeps the benchmark operation (4 nested
    lists) at an estimate of 1860, well under ``max_cost``; 10 would put it near 24,000."""
    cost_mode: Literal["enforce", "measure"] = "enforce"


class RateLimitRule(_Strict):
    """``requests`` per ``per_seconds``, refilled continuously (token bucket)."""

    requests: int = Field(ge=1)
    per_seconds: float = Field(gt=0)


class RateLimitSettings(_Strict):
    """Per client (token subject, else IP), plus per (client, operation name) for the operations
    named in ``per_operation``; shared through Redis."""

    anonymous: RateLimitRule | None = None
    authenticated: RateLimitRule | None = None
    per_operation: dict[str, RateLimitRule] = Field(default_factory=dict)
    """Extra budgets for named operations (e.g. ``PlaceOrder``), on top of the client's budget."""
    fail_closed: bool = False
    """When Redis is unreachable: False lets requests through (with a warning), True refuses."""
    key_prefix: str = "ratelimit"

    @property
    def enabled(self) -> bool:
        return (
            self.anonymous is not None or self.authenticated is not None or bool(self.per_operation)
        )


class SecuritySettings(_Strict):
    """Everything above, as one ``RouterConfig`` field."""

    jwt: JwtSettings = Field(default_factory=JwtSettings)
    authorization: AuthorizationSettings = Field(default_factory=AuthorizationSettings)
    csrf: CsrfSettings = Field(default_factory=CsrfSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    resilience: ResilienceSettings = Field(default_factory=ResilienceSettings)
    introspection: bool | None = None
    """None: on in development, off in production."""

    def introspection_enabled(self, mode: Literal["development", "production"]) -> bool:
        return self.introspection if self.introspection is not None else mode == "development"

    @classmethod
    def development(cls) -> SecuritySettings:
        """The dev/compose preset: the defaults plus an anonymous per-IP rate limit."""
        return cls(
            rate_limit=RateLimitSettings(anonymous=RateLimitRule(requests=300, per_seconds=10)),
        )
