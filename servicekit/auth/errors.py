"""Why a bearer token was refused: one ``UNAUTHENTICATED`` error with a distinct ``reason`` each.

Clients and logs need to tell an expired token (refresh it) from a forged one (alert) without
parsing messages, so every refusal carries a stable reason code in ``extensions.reason`` next to
Apollo's ``UNAUTHENTICATED`` code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["AuthFailure", "AuthenticationError"]


class AuthFailure(StrEnum):
    """The reason a token was rejected (``extensions.reason``)."""

    MISSING_TOKEN = "MISSING_TOKEN"
    MALFORMED_TOKEN = "MALFORMED_TOKEN"
    UNSUPPORTED_ALGORITHM = "UNSUPPORTED_ALGORITHM"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_NOT_YET_VALID = "TOKEN_NOT_YET_VALID"
    INVALID_AUDIENCE = "INVALID_AUDIENCE"
    INVALID_ISSUER = "INVALID_ISSUER"
    MISSING_CLAIM = "MISSING_CLAIM"
    INVALID_CLAIM = "INVALID_CLAIM"
    JWKS_UNAVAILABLE = "JWKS_UNAVAILABLE"


class AuthenticationError(Exception):
    """A refused credential; ``code`` is always ``UNAUTHENTICATED`` (HTTP 401)."""

    code = "UNAUTHENTICATED"

    def __init__(self, reason: AuthFailure, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def to_graphql_error(self) -> dict[str, Any]:
        """The GraphQL error object (Apollo's ``extensions.code`` convention)."""
        return {"message": self.message, "extensions": {"code": self.code, "reason": self.reason}}

    def __repr__(self) -> str:
        return f"AuthenticationError({self.reason.value}, {self.message!r})"
