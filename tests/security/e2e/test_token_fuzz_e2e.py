"""Generated bearer tokens against the secured router process: mutations of a valid token (a
changed, dropped or added character in header, payload or signature; truncation), tokens whose
claims are generated (signed by the real key) and arbitrary strings. Never a 5xx; the counts are
printed for the report.

The expected verdict comes from each generator's own construction, never from the code under test
(issue #21), and both directions are checked: a token the construction says is valid must get a
200 with the caller's data, any other a 401 ``UNAUTHENTICATED`` with an RFC 6750 challenge and a
reason the construction explains. A mutated token is valid only when the mutation left it
unchanged (the signature covers the encoded header and payload, RFC 7515 §5.2, and base64url has
one encoding per value, RFC 7515 §2 / RFC 4648 §3.5); generated claims are valid when
``iss``, ``aud``, ``exp``/``nbf`` (with the router's 5 s leeway) and a non-empty string ``sub``
are (RFC 7519 §4.1, §7.2).
"""

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


def _check(
    router: RunningRouter, token: str, subject: str | None, reasons: set[str] | None = None
) -> None:
    """``subject``: who the construction says the token speaks for (None: it is invalid);
    ``reasons``: the refusal reasons its defects explain (None: any known reason)."""
    response = httpx.post(
        router.graphql_url,
        json={"query": QUERY},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    if subject is not None:
        assert response.status_code == 200, (token, response.text)
        SEEN["200"] += 1
        me = {"id": subject} if subject in USER_IDS else None  # a valid token for nobody we know
        assert body == {"data": {"me": me}}
        return
    assert response.status_code == 401, (token, response.text)
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    error = body["errors"][0]["extensions"]
    SEEN[f"401:{error['reason']}"] += 1
    assert error["code"] == "UNAUTHENTICATED" and error["reason"] in REASONS
    if reasons is not None:
        assert error["reason"] in reasons, (token, body)
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
    # unchanged (e.g. a character replaced by itself) is the only way to stay valid, but for
    # spaces put before it: RFC 6750 section 2.1 allows 1*SP between "Bearer" and the token
    _check(router, mutated, "3" if mutated.lstrip(" ") == token else None)


def test_spaces_before_the_token_are_one_separator(
    router: RunningRouter, platform: Platform
) -> None:
    """RFC 6750 section 2.1: ``"Bearer" 1*SP b64token``; the fuzzer once drew a leading space
    and expected a refusal (its oracle was wrong, the router right)."""
    _check(router, "   " + platform.token("3"), "3")


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


def _defects(generated: dict[str, Any]) -> set[str]:
    """The refusal reasons the generated claims explain (empty: the token is valid), from RFC
    7519 §4.1 and the router's settings (ISSUER, AUDIENCE, leeway 5 s); the other claims are
    ``crafted``'s valid defaults. Generated times are at least 20 s from the leeway's edges."""
    now = time.time()
    defects: set[str] = set()
    if generated.get("iss", ISSUER) != ISSUER:
        defects |= {"INVALID_ISSUER", "MISSING_CLAIM"}  # "" may read as absent
    audience = generated.get("aud", AUDIENCE)
    if AUDIENCE not in (audience if isinstance(audience, list) else [audience]):
        defects |= {"INVALID_AUDIENCE", "MISSING_CLAIM"}
    subject = generated.get("sub", "1")
    if not isinstance(subject, str) or not subject.strip():
        defects |= {"MISSING_CLAIM", "MALFORMED_TOKEN"}
    expires = generated.get("exp", now + 600)
    if not isinstance(expires, int | float):  # a NumericDate is a number (§2); "12" is 1970
        defects |= {"MALFORMED_TOKEN", "TOKEN_EXPIRED"}
    elif expires < now:
        defects.add("TOKEN_EXPIRED")
    if generated.get("nbf", now - 600) > now:
        defects.add("TOKEN_NOT_YET_VALID")
    return defects


@FUZZ
@given(generated=claims)
def test_generated_claims_signed_by_the_real_key(
    router: RunningRouter, platform: Platform, generated: dict[str, Any]
) -> None:
    token = platform.crafted(generated)
    defects = _defects(generated)
    _check(router, token, None if defects else generated.get("sub", "1"), defects or None)


def test_the_claim_oracle_tells_valid_from_invalid() -> None:
    """The oracle itself, on hand-made cases (so a lenient oracle cannot pass the fuzz test)."""
    now = int(time.time())
    assert _defects({}) == set()
    assert _defects({"aud": ["other", AUDIENCE], "sub": "9999", "nbf": now - 60}) == set()
    assert _defects({"exp": now - 60}) == {"TOKEN_EXPIRED"}
    assert _defects({"nbf": now + 60}) == {"TOKEN_NOT_YET_VALID"}
    assert _defects({"iss": "http://other.test"}) == {"INVALID_ISSUER", "MISSING_CLAIM"}
    assert _defects({"aud": "other"}) == {"INVALID_AUDIENCE", "MISSING_CLAIM"}
    assert _defects({"sub": 3}) == {"MISSING_CLAIM", "MALFORMED_TOKEN"}
    assert _defects({"exp": "9"}) == {"MALFORMED_TOKEN", "TOKEN_EXPIRED"}


@FUZZ
@given(
    text=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=200)
)
def test_arbitrary_strings(router: RunningRouter, text: str) -> None:
    # visible ASCII: control characters are refused by the HTTP server itself (400), before us
    _check(router, text, None)
