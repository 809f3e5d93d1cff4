"""Issuing and verifying tokens against a local key set: every refusal has its own reason."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from servicekit.auth import (
    AuthenticationError,
    AuthFailure,
    KeySet,
    KeySetResolver,
    Principal,
    TokenIssuer,
    TokenVerifier,
    bearer_token,
)

ISSUER = "https://accounts.test"
AUDIENCE = "federation-router"


def make_issuer(keyset: KeySet, **overrides: Any) -> TokenIssuer:
    options: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "ttl_seconds": 600}
    options.update(overrides)
    return TokenIssuer(lambda: keyset, **options)


def make_verifier(keyset: KeySet) -> TokenVerifier:
    return TokenVerifier(KeySetResolver(keyset), issuer=ISSUER, audience=AUDIENCE)


def b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


async def reason_of(verifier: TokenVerifier, token: str) -> AuthFailure:
    with pytest.raises(AuthenticationError) as caught:
        await verifier.verify(token)
    assert caught.value.to_graphql_error()["extensions"]["code"] == "UNAUTHENTICATED"
    return caught.value.reason


async def test_issued_token_verifies_to_its_principal() -> None:
    keyset = KeySet.generate()
    issuer = make_issuer(keyset)
    token = issuer.issue("user-1", scopes=["orders:read", "profile"], extra={"name": "Ada"})
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": keyset.current.kid, "typ": "JWT"}
    principal = await make_verifier(keyset).verify(token)
    claims = dict(principal.claims)
    assert claims.pop("jti")
    now = claims["iat"]
    assert abs(now - time.time()) < 5
    assert claims == {
        "name": "Ada",
        "iss": ISSUER,
        "sub": "user-1",
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "scope": "orders:read profile",
    }
    assert principal == Principal("user-1", frozenset({"orders:read", "profile"}), principal.claims)
    assert principal.is_authenticated


async def test_token_signed_by_a_previous_key_still_verifies() -> None:
    old = KeySet.generate()
    token = make_issuer(old).issue("user-1")
    assert (await make_verifier(old.rotate()).verify(token)).subject == "user-1"


async def test_expired() -> None:
    keyset = KeySet.generate()
    token = make_issuer(keyset, clock=lambda: time.time() - 3600).issue("u")
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.TOKEN_EXPIRED


async def test_not_yet_valid() -> None:
    keyset = KeySet.generate()
    token = make_issuer(keyset, clock=lambda: time.time() + 3600).issue("u")
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.TOKEN_NOT_YET_VALID


async def test_wrong_audience() -> None:
    keyset = KeySet.generate()
    token = make_issuer(keyset, audience="bff-web").issue("u")
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.INVALID_AUDIENCE


async def test_wrong_issuer() -> None:
    keyset = KeySet.generate()
    token = make_issuer(keyset, issuer="https://evil.test").issue("u")
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.INVALID_ISSUER


async def test_forged_signature_with_a_published_kid() -> None:
    keyset, attacker = KeySet.generate(), KeySet.generate()
    claims = make_issuer(keyset).claims("admin")
    forged = jwt.encode(
        claims, attacker.current.private_key, algorithm="EdDSA", headers={"kid": keyset.current.kid}
    )
    assert await reason_of(make_verifier(keyset), forged) == AuthFailure.INVALID_SIGNATURE


async def test_tampered_payload() -> None:
    keyset = KeySet.generate()
    header, _, signature = make_issuer(keyset).issue("user-1").split(".")
    payload = b64(make_issuer(keyset).claims("admin"))
    tampered = f"{header}.{payload}.{signature}"
    assert await reason_of(make_verifier(keyset), tampered) == AuthFailure.INVALID_SIGNATURE


async def test_unknown_kid() -> None:
    keyset, other = KeySet.generate(), KeySet.generate()
    token = make_issuer(other).issue("u")
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.UNKNOWN_KEY


async def test_alg_none_is_refused_before_any_key_lookup() -> None:
    keyset = KeySet.generate()
    claims = make_issuer(keyset).claims("admin")
    unsigned = f"{b64({'alg': 'none', 'kid': keyset.current.kid})}.{b64(claims)}."
    assert await reason_of(make_verifier(keyset), unsigned) == AuthFailure.UNSUPPORTED_ALGORITHM


async def test_hmac_with_the_public_key_as_secret_is_refused() -> None:
    keyset = KeySet.generate()
    claims = make_issuer(keyset).claims("admin")
    secret = json.dumps(keyset.current.public_jwk())
    confused = f"{b64({'alg': 'HS256', 'kid': keyset.current.kid, 'typ': 'JWT'})}.{b64(claims)}"
    import hashlib
    import hmac

    mac = hmac.new(secret.encode(), confused.encode(), hashlib.sha256).digest()
    token = confused + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.UNSUPPORTED_ALGORITHM


async def test_missing_required_claim() -> None:
    keyset = KeySet.generate()
    claims = make_issuer(keyset).claims("u")
    del claims["sub"]
    token = jwt.encode(
        claims, keyset.current.private_key, algorithm="EdDSA", headers={"kid": keyset.current.kid}
    )
    assert await reason_of(make_verifier(keyset), token) == AuthFailure.MISSING_CLAIM


async def test_malformed() -> None:
    verifier = make_verifier(KeySet.generate())
    assert await reason_of(verifier, "not.a.jwt") == AuthFailure.MALFORMED_TOKEN
    assert await reason_of(verifier, "garbage") == AuthFailure.MALFORMED_TOKEN


def test_bearer_token_extraction() -> None:
    assert bearer_token({}) is None
    assert bearer_token({"authorization": "Bearer abc.def.ghi"}) == "abc.def.ghi"
    assert bearer_token({"authorization": "bearer  abc "}) == "abc"
    for bad in ("Basic dXNlcjpwdw==", "Bearer", "Bearer   "):
        with pytest.raises(AuthenticationError) as caught:
            bearer_token({"authorization": bad})
        assert caught.value.reason == AuthFailure.MALFORMED_TOKEN


def test_error_object_shape() -> None:
    error = AuthenticationError(AuthFailure.TOKEN_EXPIRED, "Signature has expired")
    assert error.to_graphql_error() == {
        "message": "Signature has expired",
        "extensions": {"code": "UNAUTHENTICATED", "reason": "TOKEN_EXPIRED"},
    }


async def test_empty_subject_is_a_missing_claim() -> None:
    """Found by tests/security/e2e/test_token_fuzz_e2e.py: ``sub: ""`` verified as a nobody."""
    keyset = KeySet.generate()
    for subject in ("", "  "):
        claims = make_issuer(keyset).claims(subject)
        token = jwt.encode(
            claims,
            keyset.current.private_key,
            algorithm="EdDSA",
            headers={"kid": keyset.current.kid},
        )
        assert await reason_of(make_verifier(keyset), token) == AuthFailure.MISSING_CLAIM


async def test_a_subject_a_header_cannot_carry_is_an_invalid_claim() -> None:
    """Issue #11: a signed token whose ``sub`` held CR/LF became a 500 when it was forwarded."""
    keyset = KeySet.generate()
    issuer = make_issuer(keyset)
    verifier = make_verifier(keyset)
    reasons = {
        subject: await reason_of(verifier, issuer.issue(subject))
        for subject in ("3\r\nx-user-id: 1", "3\n", "a b", "\x00", "x" * 256)
    }
    assert reasons == dict.fromkeys(reasons, AuthFailure.INVALID_CLAIM)
    assert (await verifier.verify(issuer.issue("x" * 255))).subject == "x" * 255
