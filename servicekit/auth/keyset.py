"""The signing key set: one current key signs, previous keys stay published until tokens they
signed have expired (key rotation without a flag day, RFC 7517 section 5 "JWK Set").

Rotation makes a new current key and keeps at most ``max_previous`` older ones; a verifier that
meets the new ``kid`` refreshes its cached JWKS, and tokens signed by a previous key keep
verifying while that key is still in the set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicekit.auth.keys import SigningKey

__all__ = ["JWKS_PATH", "KeySet"]

JWKS_PATH = "/.well-known/jwks.json"
"""The well-known URL the issuer serves its public keys at."""


@dataclass(frozen=True)
class KeySet:
    """Immutable: ``rotate`` returns a new set."""

    current: SigningKey
    previous: tuple[SigningKey, ...] = ()

    @classmethod
    def generate(cls, *, now: float | None = None) -> KeySet:
        return cls(current=SigningKey.generate(now=now))

    def rotate(self, *, max_previous: int = 2, now: float | None = None) -> KeySet:
        """A new current key; the old current becomes the newest previous key."""
        kept = (self.current, *self.previous)[: max(0, max_previous)]
        return KeySet(current=SigningKey.generate(now=now), previous=kept)

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        return (self.current, *self.previous)

    def find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        """The RFC 7517 JWK Set document: public keys only, the current key first."""
        return {"keys": [key.public_jwk() for key in self.keys]}
