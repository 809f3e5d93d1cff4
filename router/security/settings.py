"""Configuration of identity, authorization and CSRF prevention: pydantic models with safe
defaults, read from the router's YAML under ``security:`` (:class:`router.config.SecurityConfig`
puts the limits', rate limits' and resilience's settings, which live next to their packages, in
the same section).

Defaults follow Apollo Router where it has one: CSRF prevention on with ``x-apollo-operation-name``
and ``apollo-require-preflight`` as preflight headers; authorization directives in *filter* mode
(unauthorized fields removed, errors at their paths). Introspection follows the mode: on in
development, off in production, unless set explicitly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["AuthorizationSettings", "CsrfSettings", "JwtSettings", "SecuritySettings"]


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


class SecuritySettings(_Strict):
    """This package's part of ``RouterConfig.security``; :class:`router.config.SecurityConfig`
    adds the limits', rate limits' and resilience's own settings to it."""

    jwt: JwtSettings = Field(default_factory=JwtSettings)
    authorization: AuthorizationSettings = Field(default_factory=AuthorizationSettings)
    csrf: CsrfSettings = Field(default_factory=CsrfSettings)
    introspection: bool | None = None
    """None: on in development, off in production."""

    def introspection_enabled(self, mode: Literal["development", "production"]) -> bool:
        return self.introspection if self.introspection is not None else mode == "development"
