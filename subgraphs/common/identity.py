"""Who is calling: the one place a subgraph reads the caller's user id.

Today the router (or a test) forwards the user id in the ``x-user-id`` header; the identity work
will harden this function (verified tokens) without touching any resolver.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

__all__ = ["USER_ID_HEADER", "current_user_id"]

USER_ID_HEADER = "x-user-id"


def current_user_id(request: HTTPConnection | None) -> str | None:
    """The caller's user id, or ``None`` for an anonymous request."""
    if request is None:
        return None
    value = request.headers.get(USER_ID_HEADER, "").strip()
    return value or None
