"""Who is calling: the one place a subgraph reads the caller's identity.

The router verifies the bearer token and forwards the subject and scopes as ``x-user-id`` /
``x-user-scopes`` with an HMAC signature (:mod:`servicekit.auth.forwarded`). When the subgraph
has the shared secret (``IDENTITY_HMAC_SECRET``), those headers count only with a valid, fresh
signature, so neither a client behind the router nor a direct caller can claim to be someone.
Without the secret (local tests, the bare dev stack) the plain ``x-user-id`` header is trusted,
as before.
"""

from __future__ import annotations

import os

from starlette.requests import HTTPConnection

from servicekit.auth.forwarded import USER_ID_HEADER, verify_identity

__all__ = ["USER_ID_HEADER", "current_scopes", "current_user_id", "identity_secret"]


def identity_secret() -> str | None:
    """The secret shared with the router, read per call so tests and reloads can set it."""
    return os.environ.get("IDENTITY_HMAC_SECRET") or None


def current_user_id(request: HTTPConnection | None) -> str | None:
    """The caller's user id, or ``None`` for an anonymous (or unverifiable) request."""
    if request is None:
        return None
    secret = identity_secret()
    if secret is not None:
        identity = verify_identity(request.headers, secret)
        return identity.user_id if identity else None
    value = request.headers.get(USER_ID_HEADER, "").strip()
    return value or None


def current_scopes(request: HTTPConnection | None) -> frozenset[str]:
    """The caller's verified scopes (empty without the shared secret or a valid signature)."""
    secret = identity_secret()
    if request is None or secret is None:
        return frozenset()
    identity = verify_identity(request.headers, secret)
    return identity.scopes if identity else frozenset()
