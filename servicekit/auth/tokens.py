"""Issuing access tokens: JWS compact serialization (RFC 7515) of a JWT (RFC 7519) signed with the
current key of the key set, its ``kid`` in the header so verifiers pick the right public key.

Claims: ``iss``, ``sub``, ``aud``, ``iat``, ``nbf``, ``exp``, ``jti`` and ``scope`` (a
space-separated list, RFC 8693 section 4.2 / RFC 9068), which the router's ``@requiresScopes``
checks read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jwt

from servicekit.auth.keys import ALGORITHM
from servicekit.auth.keyset import KeySet

__all__ = ["TokenIssuer"]


class TokenIssuer:
    """Signs tokens with whatever key set ``keyset`` returns now (so rotation needs no restart)."""

    def __init__(
        self,
        keyset: Callable[[], KeySet],
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keyset = keyset
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def claims(
        self, subject: str, scopes: Iterable[str] = (), extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        now = int(self._clock())
        registered: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(sorted(set(scopes))),
        }
        return {**dict(extra or {}), **registered}

    def issue(
        self, subject: str, scopes: Iterable[str] = (), extra: Mapping[str, Any] | None = None
    ) -> str:
        """A signed token for ``subject``; ``extra`` claims never override registered ones."""
        key = self._keyset().current
        return jwt.encode(
            self.claims(subject, scopes, extra),
            key.private_key,
            algorithm=ALGORITHM,
            headers={"kid": key.kid, "typ": "JWT"},
        )
