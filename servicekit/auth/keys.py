"""One asymmetric signing key (Ed25519, JWS ``EdDSA``) with a ``kid`` and its public JWK.

Public JWKs follow RFC 8037 (``kty: OKP``, ``crv: Ed25519``, ``x``) inside RFC 7517 key objects
(``kid``, ``use: sig``, ``alg``). The ``kid`` is the RFC 7638 JWK thumbprint of the public key,
so the same key always gets the same id, whichever process loads it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["ALGORITHM", "SigningKey", "jwk_thumbprint"]

ALGORITHM = "EdDSA"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 section 3: SHA-256 over the required members, sorted, without whitespace."""
    required = {
        "OKP": ("crv", "kty", "x"),
        "EC": ("crv", "kty", "x", "y"),
        "RSA": ("e", "kty", "n"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return _b64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key, its thumbprint ``kid`` and when it was created (Unix seconds).

    Equality and ``repr`` use the ``kid`` (the key's thumbprint), never the private key."""

    kid: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)
    created_at: float

    @classmethod
    def generate(cls, *, now: float | None = None) -> SigningKey:
        return cls.from_private_key(Ed25519PrivateKey.generate(), now=now)

    @classmethod
    def from_private_key(cls, key: Ed25519PrivateKey, *, now: float | None = None) -> SigningKey:
        created = time.time() if now is None else now
        return cls(kid=jwk_thumbprint(_public_members(key)), private_key=key, created_at=created)

    @classmethod
    def from_pem(cls, pem: bytes | str, *, created_at: float = 0.0) -> SigningKey:
        raw = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing keys must be Ed25519 private keys (PKCS#8 PEM)")
        return cls.from_private_key(key, now=created_at)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, Any]:
        """The RFC 7517 public key object published in the JWKS."""
        return {
            **_public_members(self.private_key),
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }


def _public_members(key: Ed25519PrivateKey) -> dict[str, Any]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
