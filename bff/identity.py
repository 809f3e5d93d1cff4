"""Who is calling a BFF: a bearer token, verified by the router, resolved to a user id once.

The router verifies the token (JWT against the accounts JWKS) and forwards a signed identity to
the subgraphs; the BFF only needs the user id for its cache keys and for ``placeOrder``. It asks
the router ``me { id }`` with the caller's token and remembers the answer in Redis under the
token's hash until the token expires (at most ``TOKEN_TTL_SECONDS``), so a warm screen still
costs no router request. ``x-user-id`` from a client is trusted in development mode only.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

import jwt

from bff.specs import RootTemplate

if TYPE_CHECKING:
    from bff.context import BffContext

__all__ = ["ME", "TOKEN_TTL_SECONDS", "current_user_id"]

TOKEN_TTL_SECONDS = 60
ME = RootTemplate("Me", "me { id }")
"""Who the bearer token is (both BFFs send it; ``bff-manifest`` renders it for the registry)."""


def _token_ttl(token: str) -> int:
    """Seconds the token stays valid (its ``exp``; the router verified it), capped."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return 0
    expires = claims.get("exp")
    if not isinstance(expires, int | float):
        return TOKEN_TTL_SECONDS
    return max(0, min(TOKEN_TTL_SECONDS, int(expires - time.time())))


async def current_user_id(context: BffContext) -> str | None:
    """The caller's user id, or ``None`` for an anonymous request."""
    authorization = context.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        slot = "who:" + hashlib.sha256(token.encode()).hexdigest()[:32]
        cached = await context.runtime.cache.get_raw(slot)
        if cached is not None:
            return cached.decode() or None
        me = await context.loaders.root_field(ME.call())
        user_id = str(me["id"]) if me else None
        ttl = _token_ttl(token)
        if user_id is not None and ttl > 0:
            await context.runtime.cache.set_raw(slot, user_id.encode(), ttl)
        return user_id
    if context.runtime.settings.is_development:
        return context.headers.get("x-user-id") or None
    return None
