"""Bearer tokens verified by the BFF itself, before any resolver runs (issue #8).

A pure-ASGI middleware in front of ``/graphql``: an ``Authorization: Bearer`` token is verified
against the accounts JWKS (:class:`servicekit.auth.TokenVerifier` over a cached
:class:`servicekit.auth.JwksClient`, refreshed on an unknown ``kid``). A request without the
header stays anonymous (screens decide whether they need a caller); an expired, forged,
wrong-audience or malformed token is answered here with 401 and one GraphQL error
``UNAUTHENTICATED`` with ``extensions.reason`` (the router's answer to the same token, RFC 6750
``WWW-Authenticate`` challenge included), so no router request is made for it. The verified
principal rides in the ASGI scope under :data:`PRINCIPAL_SCOPE_KEY` for the context getter.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.auth import ANONYMOUS, AuthenticationError, Principal, TokenVerifier, bearer_token
from servicekit.logging import get_logger

__all__ = ["PRINCIPAL_SCOPE_KEY", "BearerAuthenticationMiddleware", "scope_principal"]

PRINCIPAL_SCOPE_KEY = "bff.principal"
_log = get_logger(__name__)


def scope_principal(scope: Scope) -> Principal:
    """The caller the middleware verified (anonymous when it did not run or saw no token)."""
    principal = scope.get(PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }


class BearerAuthenticationMiddleware:
    """Verifies the bearer token of requests to ``path``; refuses invalid ones with 401."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, path: str = "/graphql") -> None:
        self.app = app
        self.verifier = verifier
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        try:
            token = bearer_token(_headers(scope))
            principal = ANONYMOUS if token is None else await self.verifier.verify(token)
        except AuthenticationError as error:
            _log.info("token refused", reason=error.reason.value, error=error.message)
            await _refuse(send, error)
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal
        await self.app(scope, receive, send)


async def _refuse(send: Send, error: AuthenticationError) -> None:
    body = orjson.dumps({"errors": [error.to_graphql_error()]})
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer error="invalid_token"'),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": 401, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
