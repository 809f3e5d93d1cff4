"""Generated bearer tokens against the secured router process: mutations of a valid token (a
changed, dropped or added character in header, payload or signature; truncation), tokens whose
claims are generated (signed by the real key) and arbitrary strings. Every answer is a 200 with
the caller's data (only for a token that still verifies) or a 401 ``UNAUTHENTICATED`` with a known
reason and an RFC 6750 challenge; never a 5xx. The counts are printed for the report."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicekit.auth.errors import AuthFailure
from servicekit.auth.verify import KeySetResolver, TokenVerifier
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import AUDIENCE, ISSUER, Platform, routers

QUERY = "{ me { id } }"
USER_IDS = {str(user.id) for user in generate(SeedSizes()).users}
REASONS = {failure.value for failure in AuthFailure}
SEEN: Counter[str] = Counter()
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only
    print("\ntoken fuzz outcomes:", dict(SEEN), "total", sum(SEEN.values()))


def _check(router: RunningRouter, token: str, subject: str | None) -> None:
    response = httpx.post(
        router.graphql_url,
        json={"query": QUERY},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code in (200, 401), response.text
    body: dict[str, Any] = response.json()
    if response.status_code == 200:
        SEEN["200"] += 1
        assert subject is not None
        me = {"id": subject} if subject in USER_IDS else None  # a valid token for nobody we know
        assert body == {"data": {"me": me}}
        return
    error = body["errors"][0]["extensions"]
    SEEN[f"401:{error['reason']}"] += 1
    assert error["code"] == "UNAUTHENTICATED" and error["reason"] in REASONS
    assert response.headers["www-authenticate"].startswith("Bearer")


@FUZZ
@given(data=st.data())
def test_mutated_tokens(router: RunningRouter, platform: Platform, data: st.DataObject) -> None:
    token = platform.token("3")
    part = data.draw(st.sampled_from([0, 1, 2]), label="part")
    pieces = token.split(".")
    text = pieces[part]
    where = data.draw(st.integers(0, max(len(text) - 1, 0)), label="where")
    alphabet = st.sampled_from(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.+/ "
    )
    action = data.draw(st.sampled_from(["replace", "drop", "insert", "truncate"]), label="action")
    if action == "replace":
        text = text[:where] + data.draw(alphabet) + text[where + 1 :]
    elif action == "drop":
        text = text[:where] + text[where + 1 :]
    elif action == "insert":
        text = text[:where] + data.draw(alphabet) + text[where:]
    else:
        text = text[:where]
    pieces[part] = text
    mutated = ".".join(pieces)
    _check(router, mutated, "3" if mutated == token else _still_valid(platform, mutated))


def _still_valid(platform: Platform, token: str) -> str | None:
    """Base64url decoding ignores some trailing bits: a changed last character may still verify."""
    import asyncio

    tokens = platform.tokens()
    verifier = TokenVerifier(
        KeySetResolver(tokens.keys()), issuer=ISSUER, audience=AUDIENCE, leeway_seconds=5
    )  # as the router's (leeway 5 s)
    try:
        principal = asyncio.run(verifier.verify(token))
    except Exception:
        return None
    return principal.subject


# away from the leeway's edges (now - 5 s), where the router and this test could disagree
OFFSETS = st.integers(-3600, -20) | st.integers(20, 3600)
claims = st.fixed_dictionaries(
    {},
    optional={
        "iss": st.sampled_from([ISSUER, "http://other.test", ""]) | st.text(max_size=8),
        "aud": st.sampled_from([AUDIENCE, "other", ["other", AUDIENCE]]) | st.text(max_size=8),
        "sub": st.sampled_from(["3", "", "9999"]) | st.integers(),
        "exp": OFFSETS.map(lambda d: int(time.time()) + d) | st.text(max_size=4),
        "nbf": OFFSETS.map(lambda d: int(time.time()) + d),
        "scope": st.text(max_size=12) | st.lists(st.text(max_size=5), max_size=3),
    },
)


@FUZZ
@given(generated=claims)
def test_generated_claims_signed_by_the_real_key(
    router: RunningRouter, platform: Platform, generated: dict[str, Any]
) -> None:
    token = platform.crafted(generated)
    _check(router, token, _still_valid(platform, token))


@FUZZ
@given(
    text=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=200)
)
def test_arbitrary_strings(router: RunningRouter, text: str) -> None:
    # visible ASCII: control characters are refused by the HTTP server itself (400), before us
    _check(router, text, None)
