"""Who is calling a BFF: the subject of a bearer token the BFF verified itself (issue #8).

:mod:`bff.authentication` verifies ``Authorization: Bearer`` against the accounts JWKS before any
resolver runs and refuses an invalid token with 401, so a resolver sees either a verified
principal or an anonymous caller. The token's ``sub`` is the accounts user id (the accounts
``login`` mutation issues it so), so no router request is needed to learn who the caller is.
Nothing else names a caller, in any mode: a client-sent ``x-user-id`` was once trusted in
development mode, let anyone act as anyone and poisoned the shared cache (issue #11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bff.context import BffContext

__all__ = ["current_user_id"]


async def current_user_id(context: BffContext) -> str | None:
    """The caller's user id, or ``None`` for an anonymous request."""
    return context.principal.subject if context.principal.is_authenticated else None
