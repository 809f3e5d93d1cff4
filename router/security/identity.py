"""Who is calling: the router's (and BFFs') one step from inbound headers to a
:class:`~servicekit.auth.Principal`, configured by :class:`JwtSettings`.

No ``Authorization`` header means the anonymous principal (authorization directives then decide
what it may see) unless ``require_authentication`` is set; a header that is present but invalid
is always refused with 401 ``UNAUTHENTICATED`` and its reason, never silently downgraded to
anonymous (a client with a broken token should learn so, as Apollo Router's JWT plugin does).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from router.request import GraphQLResponse
from router.security.settings import JwtSettings
from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.auth.jwks_client import JwksClient
from servicekit.auth.principal import ANONYMOUS, Principal
from servicekit.auth.verify import TokenVerifier, bearer_token

__all__ = ["authenticate", "authentication_error_response", "verifier_from_settings"]


def verifier_from_settings(settings: JwtSettings, http: httpx.AsyncClient) -> TokenVerifier | None:
    """A verifier over the issuer's JWKS, or None when JWT authentication is off."""
    if not settings.enabled or settings.jwks_url is None or settings.issuer is None:
        return None
    jwks = JwksClient(
        settings.jwks_url,
        http,
        min_refresh_interval_seconds=settings.jwks_min_refresh_interval_seconds,
        max_age_seconds=settings.jwks_max_age_seconds,
    )
    return TokenVerifier(
        jwks,
        issuer=settings.issuer,
        audience=settings.audience,
        algorithms=settings.algorithms,
        leeway_seconds=settings.leeway_seconds,
    )


async def authenticate(
    headers: Mapping[str, str],
    verifier: TokenVerifier | None,
    *,
    require_authentication: bool = False,
) -> Principal:
    """The caller's principal; raises :class:`AuthenticationError` for a bad or missing token.

    With JWT authentication off (``verifier`` None) every caller is anonymous: an
    ``Authorization`` header is then only propagated to subgraphs, not judged here."""
    if verifier is None:
        if require_authentication:
            raise AuthenticationError(AuthFailure.MISSING_TOKEN, "authentication is required")
        return ANONYMOUS
    token = bearer_token(headers)
    if token is None:
        if require_authentication:
            raise AuthenticationError(AuthFailure.MISSING_TOKEN, "authentication is required")
        return ANONYMOUS
    return await verifier.verify(token)


def authentication_error_response(error: AuthenticationError) -> GraphQLResponse:
    """The 401 request error (GraphQL-over-HTTP: no data, the status the core insists on)."""
    return GraphQLResponse.request_error(
        error.message, error.code, status_hint=401, reason=error.reason.value
    )
