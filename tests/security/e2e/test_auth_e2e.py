"""Identity end to end over real processes: login through the router, the caller's own orders,
every token failure with its 401 reason, a ``@requiresScopes`` field null with its error while
siblings resolve, forged identity headers ignored, and JWKS rotation without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from servicekit.auth.keys import SigningKey
from servicekit.auth.keystore import KeyStore
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform, routers

SEED = generate(SeedSizes())
USER = SEED.users[2]
ME = "{ me { id username orders { id } } }"
OWN_ORDERS = [{"id": str(o.id)} for o in SEED.orders if o.user_id == USER.id]
UNAUTHORIZED = {
    "message": "Unauthorized field or type",
    "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
}


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only


def post(
    router: RunningRouter, query: str, token: str | None = None, **extra: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    headers |= extra.pop("headers", {})
    return httpx.post(
        router.graphql_url, json={"query": query, **extra}, headers=headers, timeout=30
    )


def login(router: RunningRouter, username: str, password: str = "demo-password") -> dict[str, Any]:
    query = "mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { token user { id } } }"
    body: dict[str, Any] = post(router, query, variables={"u": username, "p": password}).json()
    return body


def test_login_through_the_router_then_own_orders(router: RunningRouter) -> None:
    answer = login(router, USER.username)
    assert answer["data"]["login"]["user"] == {"id": str(USER.id)}
    response = post(router, ME, answer["data"]["login"]["token"])
    expected = {"me": {"id": str(USER.id), "username": USER.username, "orders": OWN_ORDERS}}
    assert (response.status_code, response.json()) == (200, {"data": expected})


def test_wrong_password_is_invalid_credentials(router: RunningRouter) -> None:
    answer = login(router, USER.username, "not-the-password")
    assert answer == {
        "errors": [
            {
                "message": "invalid username or password",
                "path": ["login"],
                "extensions": {"code": "INVALID_CREDENTIALS", "service": "accounts"},
            }
        ],
        "data": None,
    }


def test_no_token_is_anonymous_and_me_is_removed(router: RunningRouter) -> None:
    response = post(router, ME)
    assert (response.status_code, response.json()) == (
        200,
        {"errors": [{**UNAUTHORIZED, "path": ["me"]}], "data": {"me": None}},
    )


def test_forged_identity_headers_are_ignored(router: RunningRouter, platform: Platform) -> None:
    forged = {"x-user-id": str(USER.id), "x-user-scopes": "read:activity"}
    response = post(router, ME, headers=forged)
    assert response.json() == {"errors": [{**UNAUTHORIZED, "path": ["me"]}], "data": {"me": None}}
    # straight to the orders subgraph, unsigned: the owner check refuses
    query = '{ _entities(representations: [{__typename: "User", id: "%d"}]) { ... on User { orders { id } } } }'
    direct = httpx.post(
        platform.stack.urls["orders"], json={"query": query % USER.id}, headers=forged
    )
    assert [e["extensions"]["code"] for e in direct.json()["errors"]] == ["FORBIDDEN"]


def _refusal(response: httpx.Response) -> tuple[int, str, str, str]:
    error = response.json()["errors"][0]
    return (
        response.status_code,
        error["extensions"]["code"],
        error["extensions"]["reason"],
        response.headers.get("www-authenticate", ""),
    )


def test_bad_tokens_are_refused_with_their_reason(
    router: RunningRouter, platform: Platform
) -> None:
    now = int(time.time())
    cases = {
        "TOKEN_EXPIRED": platform.crafted({"exp": now - 60, "iat": now - 960, "nbf": now - 960}),
        "INVALID_AUDIENCE": platform.crafted({"aud": "someone-else"}),
        "INVALID_ISSUER": platform.crafted({"iss": "http://evil.test"}),
        "INVALID_SIGNATURE": platform.crafted(
            {},
            SigningKey(
                platform.tokens().keys().current.kid, SigningKey.generate().private_key, 0.0
            ),
        ),
        "UNKNOWN_KEY": platform.crafted({}, SigningKey.generate()),
        "MALFORMED_TOKEN": "not-a-jwt",
    }
    seen = {reason: _refusal(post(router, ME, token)) for reason, token in cases.items()}
    challenge = 'Bearer error="invalid_token"'
    assert seen == {reason: (401, "UNAUTHENTICATED", reason, challenge) for reason in cases}


def test_scoped_field_is_null_while_siblings_resolve(
    router: RunningRouter, platform: Platform
) -> None:
    login(router, USER.username)  # sets lastLoginAt
    query = "{ me { id username lastLoginAt } }"
    without = post(router, query, platform.token(str(USER.id)))
    assert without.json() == {
        "errors": [{**UNAUTHORIZED, "path": ["me", "lastLoginAt"]}],
        "data": {"me": {"id": str(USER.id), "username": USER.username, "lastLoginAt": None}},
    }
    scoped = post(router, query, platform.token(str(USER.id), ("read:activity",))).json()
    assert set(scoped) == {"data"} and scoped["data"]["me"]["lastLoginAt"] is not None


def test_jwks_rotation_without_restart(router: RunningRouter, platform: Platform) -> None:
    before = platform.token(str(USER.id))
    assert "errors" not in post(router, ME, before).json()
    KeyStore(platform.keys_dir).rotate()
    after = platform.token(str(USER.id))  # signed by the new key, unknown to the router's cache
    expected = {"me": {"id": str(USER.id), "username": USER.username, "orders": OWN_ORDERS}}
    assert post(router, ME, after).json() == {"data": expected}
    assert post(router, ME, before).json() == {"data": expected}  # previous key still published
