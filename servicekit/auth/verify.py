"""Verifying bearer tokens against public keys (a remote JWKS or the local key set).

Order of checks, each failure with its own reason: the header parses; ``alg`` is in the allow-list
(so ``none`` and HMAC-with-a-public-key confusion are refused before any key is touched); the
``kid`` resolves to a key whose own ``alg`` matches; the signature verifies; then ``exp``, ``nbf``,
``iat``, ``aud``, ``iss``, the required claims (RFC 7519 section 4.1, RFC 8725 section 3.1) and
the subject's characters (it is forwarded in a header, RFC 9110 section 5.5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import jwt
from jwt import PyJWK

from servicekit.auth.errors import AuthenticationError, AuthFailure
from servicekit.auth.forwarded import is_header_safe
from servicekit.auth.keys import ALGORITHM
from servicekit.auth.keyset import KeySet
from servicekit.auth.principal import Principal

__all__ = ["KeyResolver", "KeySetResolver", "TokenVerifier", "bearer_token"]

REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")


class KeyResolver(Protocol):
    """Where verification keys come from: :class:`~servicekit.auth.jwks_client.JwksClient` or a
    local :class:`KeySetResolver`."""

    async def get_key(self, kid: str) -> PyJWK | None: ...


class KeySetResolver:
    """Keys of a local key set (the issuing service verifying its own tokens)."""

    def __init__(self, keyset: KeySet) -> None:
        self._keys = {key.kid: PyJWK(key.public_jwk()) for key in keyset.keys}

    async def get_key(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header (lower-cased header names), or None when
    there is no such header; another scheme or an empty token is a malformed credential."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(AuthFailure.MALFORMED_TOKEN, "expected 'Authorization: Bearer'")
    return token.strip()


class TokenVerifier:
    """Verifies tokens for one issuer and audience."""

    def __init__(
        self,
        keys: KeyResolver,
        *,
        issuer: str,
        audience: str,
        algorithms: Sequence[str] = (ALGORITHM,),
        leeway_seconds: float = 0.0,
    ) -> None:
        self._keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self.leeway_seconds = leeway_seconds

    async def verify(self, token: str) -> Principal:
        """The principal the token speaks for; raises :class:`AuthenticationError` otherwise."""
        algorithm, kid = self._read_header(token)
        key = await self._keys.get_key(kid)
        if key is None:
            raise AuthenticationError(AuthFailure.UNKNOWN_KEY, f"no published key has kid {kid!r}")
        if key.algorithm_name != algorithm:
            raise AuthenticationError(
                AuthFailure.UNSUPPORTED_ALGORITHM,
                f"token alg {algorithm!r} does not match key alg {key.algorithm_name!r}",
            )
        return Principal.from_claims(self._decode(token, key, algorithm))

    def _read_header(self, token: str) -> tuple[str, str]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise AuthenticationError(
                AuthFailure.MALFORMED_TOKEN, f"malformed token: {error}"
            ) from error
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise AuthenticationError(
                AuthFailure.UNSUPPORTED_ALGORITHM, f"alg {algorithm!r} is not accepted"
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError(AuthFailure.UNKNOWN_KEY, "token header has no kid")
        return algorithm, kid

    def _decode(self, token: str, key: PyJWK, algorithm: str) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as error:
            raise _translate(error) from error
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            # an empty subject would be an authenticated nobody (and share one rate-limit bucket)
            raise AuthenticationError(AuthFailure.MISSING_CLAIM, "'sub' must be a non-empty string")
        if not is_header_safe(subject):
            # it travels on as a header (x-user-id) and a cache/rate-limit key: CR/LF or spaces
            # there are header injection, so such a token is refused here (401), not at the call
            raise AuthenticationError(
                AuthFailure.INVALID_CLAIM,
                "'sub' must be 1 to 255 visible ASCII characters (no spaces or control characters)",
            )
        return claims


_FAILURES: tuple[tuple[type[jwt.PyJWTError], AuthFailure], ...] = (
    (jwt.ExpiredSignatureError, AuthFailure.TOKEN_EXPIRED),
    (jwt.ImmatureSignatureError, AuthFailure.TOKEN_NOT_YET_VALID),
    (jwt.InvalidAudienceError, AuthFailure.INVALID_AUDIENCE),
    (jwt.InvalidIssuerError, AuthFailure.INVALID_ISSUER),
    (jwt.MissingRequiredClaimError, AuthFailure.MISSING_CLAIM),
    (jwt.InvalidSignatureError, AuthFailure.INVALID_SIGNATURE),
    (jwt.InvalidAlgorithmError, AuthFailure.UNSUPPORTED_ALGORITHM),
)


def _translate(error: jwt.PyJWTError) -> AuthenticationError:
    """PyJWT's exceptions mapped to reasons at this one boundary."""
    for kind, reason in _FAILURES:
        if isinstance(error, kind):
            return AuthenticationError(reason, str(error))
    return AuthenticationError(AuthFailure.MALFORMED_TOKEN, f"invalid token: {error}")
