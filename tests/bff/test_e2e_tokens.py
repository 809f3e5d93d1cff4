"""Both BFFs verify bearer tokens themselves against the accounts JWKS (issue #8): a valid token is
the caller (its ``sub``, no ``me`` request), an expired, forged, wrong-audience or malformed one is
refused with 401 ``UNAUTHENTICATED`` and its reason before any router request."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from servicekit.auth import ALGORITHM, KeySet, KeyStore, SigningKey, TokenIssuer
from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.conftest import Screen
from tests.bff.stack import ISSUER, BffStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AUDIENCE = "federation-router"
USER = 4

# a screen that needs the caller, and one an anonymous caller may see, for each BFF
SCREENS: dict[str, list[tuple[str, dict[str, Any] | None]]] = {
    "web": [("AccountPage", None), ("HomePage", None)],
    "mobile": [("MyOrders", {"first": 1}), ("Feed", {"first": 3})],
}


def _keys(stack: BffStack) -> KeySet:
    keyset = KeyStore(stack.keys).load()
    if keyset is None:
        raise RuntimeError(f"no key store in {stack.keys}")
    return keyset


def _token(keyset: KeySet, *, audience: str = AUDIENCE, clock: float | None = None) -> str:
    issuer = TokenIssuer(
        lambda: keyset,
        issuer=ISSUER,
        audience=audience,
        ttl_seconds=900,
        clock=(lambda: clock) if clock is not None else time.time,
    )
    return issuer.issue(str(USER))


def _forged_with_published_kid(keyset: KeySet) -> str:
    """Claims a published kid but is signed by another key."""
    other = SigningKey.generate()
    claims = TokenIssuer(lambda: keyset, issuer=ISSUER, audience=AUDIENCE).claims(str(USER))
    headers = {"kid": keyset.current.kid, "typ": "JWT"}
    return jwt.encode(claims, other.private_key, algorithm=ALGORITHM, headers=headers)


def _refusal(message: str, reason: str) -> dict[str, Any]:
    return {
        "errors": [
            {"message": message, "extensions": {"code": "UNAUTHENTICATED", "reason": reason}}
        ]
    }


def _cases(stack: BffStack) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, Authorization value, whole expected body)."""
    keyset = _keys(stack)
    stranger = KeySet.generate()
    return [
        (
            "expired",
            "Bearer " + _token(keyset, clock=time.time() - 3600),
            _refusal("Signature has expired", "TOKEN_EXPIRED"),
        ),
        (
            "forged, published kid",
            "Bearer " + _forged_with_published_kid(keyset),
            _refusal("Signature verification failed", "INVALID_SIGNATURE"),
        ),
        (
            "forged, own kid",
            "Bearer " + _token(stranger),
            _refusal(f"no published key has kid {stranger.current.kid!r}", "UNKNOWN_KEY"),
        ),
        (
            "wrong audience",
            "Bearer " + _token(keyset, audience="another-api"),
            _refusal("Audience doesn't match", "INVALID_AUDIENCE"),
        ),
        (
            "malformed",
            "Bearer not-a-token",
            _refusal("malformed token: Not enough segments", "MALFORMED_TOKEN"),
        ),
        (
            "another scheme",
            "Basic dXNlcjpwYXNz",
            _refusal("expected 'Authorization: Bearer'", "MALFORMED_TOKEN"),
        ),
    ]


@pytest.fixture(params=["web", "mobile"])
def screen(request: pytest.FixtureRequest) -> Screen:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


async def test_invalid_tokens_are_refused_before_any_router_request(
    screen: Screen, bff_stack: BffStack
) -> None:
    if bff_stack.jwks_url is None:
        pytest.skip("an external router: its key store is not ours to sign with")
    refused = []
    for operation, variables in SCREENS[screen.runtime.name]:
        for name, authorization, body in _cases(bff_stack):
            response = await screen.run(operation, variables, authorization=authorization)
            refused.append((name, operation, response.status_code, response.json()))
            assert response.json() == body, (name, operation)
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert screen.last_router_requests == 0
    assert {status for *_, status, _ in refused} == {401}
    assert screen.runtime.router.stats.requests == 0


async def test_a_token_the_bff_signs_off_on_is_the_caller_without_asking_the_router(
    web: Screen, mobile: Screen, seed: SeedData, bff_stack: BffStack
) -> None:
    """A token signed with the published key (not from ``login``) is honoured as its ``sub``; the
    JWKS is fetched once per BFF and then served from the cache."""
    if bff_stack.jwks_url is None:
        pytest.skip("an external router: its key store is not ours to sign with")
    authorization = "Bearer " + _token(_keys(bff_stack))
    for _ in range(2):
        account = await web.data("AccountPage", authorization=authorization)
        assert account == expected.account(seed, USER)
    orders = await mobile.data("MyOrders", {"first": 1}, authorization=authorization)
    assert orders == expected.my_orders(seed, USER, 1)
    assert mobile.last_router_requests == 1  # the orders only
    assert (web.runtime.jwks.fetch_count, mobile.runtime.jwks.fetch_count) == (1, 1)


async def test_no_token_on_an_anonymous_screen_stays_anonymous(
    screen: Screen, seed: SeedData
) -> None:
    operation, variables = SCREENS[screen.runtime.name][1]
    response = await screen.run(operation, variables)
    assert response.status_code == 200
    assert "errors" not in response.json()
    assert screen.runtime.jwks.fetch_count == 0  # nothing to verify
