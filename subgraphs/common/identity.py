"""Who is calling: the one place a subgraph reads the caller's identity.

The router verifies the bearer token and forwards the subject and scopes as ``x-user-id`` /
``x-user-scopes`` with an HMAC signature bound to the request body
(:mod:`servicekit.auth.forwarded`); another service (orders calling inventory) signs its own name
(:mod:`servicekit.auth.service`). Both count only with a valid, fresh signature under the shared
secret (``IDENTITY_HMAC_SECRET``), checked here, in the subgraph: a subgraph does not trust that
only the router can reach it. Without the secret every request is anonymous (plain ``x-user-id``
headers are never believed).
"""

from __future__ import annotations

import os

from starlette.requests import HTTPConnection, Request

from servicekit.auth.forwarded import USER_ID_HEADER, ForwardedIdentity, verify_identity
from servicekit.auth.service import service_secret, verify_service
from subgraphs.common.body import BODY_SCOPE_KEY

__all__ = [
    "USER_ID_HEADER",
    "bind_multipart_operations",
    "caller",
    "calling_service",
    "current_scopes",
    "current_user_id",
    "identity_secret",
]

_CALLER_KEY = "subgraph.caller"


def identity_secret() -> str | None:
    """The secret shared with the router, read per call so tests and reloads can set it."""
    return os.environ.get("IDENTITY_HMAC_SECRET") or None


def _body(request: HTTPConnection) -> bytes | None:
    body = request.scope.get(BODY_SCOPE_KEY)
    return body if isinstance(body, bytes) else None


def caller(request: HTTPConnection | None) -> ForwardedIdentity | None:
    """The verified caller of this request (checked once, remembered in the request's scope)."""
    if request is None:
        return None
    scope = request.scope
    if _CALLER_KEY not in scope:
        secret, body = identity_secret(), _body(request)
        found = None
        if secret is not None and body is not None:
            found = verify_identity(request.headers, secret, body=body)
        scope[_CALLER_KEY] = found
    identity = scope[_CALLER_KEY]
    return identity if isinstance(identity, ForwardedIdentity) else None


def current_user_id(request: HTTPConnection | None) -> str | None:
    """The caller's user id, or ``None`` for an anonymous (or unverifiable) request."""
    identity = caller(request)
    return identity.user_id if identity else None


def current_scopes(request: HTTPConnection | None) -> frozenset[str]:
    """The caller's verified scopes (empty for an anonymous request)."""
    identity = caller(request)
    return identity.scopes if identity else frozenset()


def calling_service(request: HTTPConnection | None, audience: str) -> str | None:
    """The service that signed this request for ``audience`` (this subgraph), else None."""
    secret = service_secret()
    if request is None or secret is None:
        return None
    body = _body(request)
    if body is None:
        return None
    return verify_service(request.headers, secret, audience, body)


async def bind_multipart_operations(request: HTTPConnection | None) -> None:
    """A GraphQL multipart request (file uploads, issue #18): the router binds the caller's
    signature to the ``operations`` part (the subgraph request's JSON, as for a JSON POST), so
    that part's bytes stand for the body :func:`caller` verifies. Call before reading the caller
    in a resolver that takes an ``Upload``; other requests are left as they are."""
    if not isinstance(request, Request) or BODY_SCOPE_KEY in request.scope:
        return
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return
    form = await request.form()  # Starlette parses a request's form once and keeps it
    operations = form.get("operations")
    if isinstance(operations, str):
        request.scope[BODY_SCOPE_KEY] = operations.encode()
