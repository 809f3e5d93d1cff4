"""How long the BFF remembers a token's user id: until the token expires, at most 60 s."""

from __future__ import annotations

import time

import jwt

from bff.identity import TOKEN_TTL_SECONDS, _token_ttl


def _token(**claims: object) -> str:
    return jwt.encode({"sub": "1", **claims}, "k" * 32, algorithm="HS256")


def test_token_ttl_follows_expiry_and_is_capped() -> None:
    now = int(time.time())
    assert _token_ttl(_token(exp=now + 3600)) == TOKEN_TTL_SECONDS
    assert 5 <= _token_ttl(_token(exp=now + 10)) <= 10
    assert _token_ttl(_token(exp=now - 5)) == 0
    assert _token_ttl(_token()) == TOKEN_TTL_SECONDS
    assert _token_ttl("not a jwt") == 0
