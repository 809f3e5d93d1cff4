"""Who opened a subscription WebSocket: the signed identity on its upgrade request.

The router opens one graphql-transport-ws connection per client subscription and sends the
caller's signed identity (:mod:`servicekit.auth.forwarded`) as headers of the upgrade request.
An upgrade is a GET without a body, so the signature is bound to the empty body, as for any
bodiless request, and is only accepted while fresh (``MAX_AGE_SECONDS``), checked once when the
subscription starts. Without ``IDENTITY_HMAC_SECRET`` every subscriber is anonymous.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from servicekit.auth.forwarded import ForwardedIdentity, verify_identity
from subgraphs.common.identity import identity_secret

__all__ = ["subscriber"]


def subscriber(connection: HTTPConnection | None) -> ForwardedIdentity | None:
    """The verified caller of a WebSocket subscription, else None (anonymous)."""
    secret = identity_secret()
    if connection is None or secret is None:
        return None
    return verify_identity(connection.headers, secret, body=b"")
