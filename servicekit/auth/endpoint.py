"""The JWKS endpoint (``GET /.well-known/jwks.json``) as a Starlette route for the issuing service.

The key set is read through a callable on every request, so a rotation (another process writing
the key store, or an in-process rotate) is published without a restart. ``Cache-Control`` lets
verifiers and proxies cache briefly; verifiers still refresh early on an unknown ``kid``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from servicekit.auth.keyset import JWKS_PATH, KeySet

__all__ = ["jwks_route"]


def jwks_route(keyset: Callable[[], KeySet], *, max_age_seconds: int = 60) -> Route:
    """A route serving the public JWK Set (never private key material)."""

    async def jwks(_: Request) -> JSONResponse:
        return JSONResponse(
            keyset().jwks(),
            headers={"Cache-Control": f"public, max-age={max_age_seconds}"},
            media_type="application/jwk-set+json",
        )

    return Route(JWKS_PATH, jwks, methods=["GET"])
