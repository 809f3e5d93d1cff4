"""CORS for every HTTP edge (router and BFFs), with Apollo Router's configuration names, served
by Starlette's :class:`~starlette.middleware.cors.CORSMiddleware` (Fetch standard, "CORS protocol").

No origin is allowed unless configured. ``origins`` are exact origins or origins whose port is
``*`` (``http://localhost:*`` matches ``http://localhost`` and ``http://localhost:5173``, as Hive
Gateway's and Vite's local setups need); ``match_origins`` are regular expressions (Apollo's
``match_origins``), matched against the whole origin. ``allow_headers`` empty mirrors the headers
a preflight asks for (Apollo Router's behaviour), which keeps GraphQL clients' custom headers
(``apollo-require-preflight``, ``x-apollo-operation-name``) working. Credentials together with
any origin are refused at load time, as Apollo Router refuses them: they would hand every site a
logged-in user's session.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

__all__ = ["LOCAL_DEVELOPMENT_ORIGINS", "CorsSettings", "cors_middleware", "origin_pattern"]

LOCAL_DEVELOPMENT_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")
_ORIGIN = re.compile(r"^(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}|\*))?$")


def origin_pattern(origin: str) -> str:
    """The regular expression for one configured origin (``*`` as the port: any port or none)."""
    match = _ORIGIN.match(origin)
    if match is None:
        raise ValueError(
            f"CORS origin {origin!r} is not scheme://host[:port] (port may be '*'), "
            "without a path or a trailing slash"
        )
    scheme, host, port = match.groups()
    base = f"{re.escape(scheme.lower())}://{re.escape(host.lower())}"
    if port == "*":
        return base + r"(?::\d{1,5})?"
    return base + (f":{port}" if port else "")


class CorsSettings(BaseModel):
    """Apollo Router's ``cors`` section (``allow_any_origin``, ``origins``, ``match_origins``,
    ``allow_credentials``, ``allow_headers``, ``expose_headers``, ``methods``, ``max_age``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_any_origin: bool = False
    origins: tuple[str, ...] = ()
    match_origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    allow_headers: tuple[str, ...] = ()
    """Empty: mirror the preflight's ``Access-Control-Request-Headers``."""
    expose_headers: tuple[str, ...] = ()
    methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    max_age_seconds: int = Field(default=600, ge=0)
    """How long a browser may cache a preflight's answer (``Access-Control-Max-Age``)."""

    @field_validator("origins")
    @classmethod
    def _valid_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            origin_pattern(origin)
        return origins

    @field_validator("match_origins")
    @classmethod
    def _valid_patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"match_origins {pattern!r}: {error}") from error
        return patterns

    @model_validator(mode="after")
    def _no_credentials_for_everyone(self) -> CorsSettings:
        if self.allow_any_origin and self.allow_credentials:
            raise ValueError("CORS: allow_credentials cannot be combined with allow_any_origin")
        return self

    def origin_regex(self) -> str | None:
        """One expression for every configured origin and pattern; None when there is none."""
        parts = [origin_pattern(origin) for origin in self.origins]
        parts += [f"(?:{pattern})" for pattern in self.match_origins]
        return "|".join(f"(?:{part})" for part in parts) if parts else None

    def middleware_options(self) -> dict[str, Any]:
        """Keyword arguments for Starlette's ``CORSMiddleware``."""
        return {
            "allow_origins": ["*"] if self.allow_any_origin else [],
            "allow_origin_regex": None if self.allow_any_origin else self.origin_regex(),
            "allow_methods": list(self.methods),
            "allow_headers": list(self.allow_headers) or ["*"],
            "allow_credentials": self.allow_credentials,
            "expose_headers": list(self.expose_headers),
            "max_age": self.max_age_seconds,
        }


def cors_middleware(settings: CorsSettings) -> Middleware:
    """The middleware entry for a Starlette or FastAPI app (outermost, so even a 500 carries
    the CORS headers the browser needs to show it)."""
    return Middleware(CORSMiddleware, **settings.middleware_options())
