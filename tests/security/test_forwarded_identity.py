"""servicekit.auth.forwarded: the router's signed identity headers and the subgraphs' check
(bound to the request body, short-lived); servicekit.auth.service: service-to-service identity."""

from __future__ import annotations

import pytest

from servicekit.auth.forwarded import (
    SIGNATURE_HEADER,
    ForwardedIdentity,
    bind_identity,
    sign_identity,
    verify_identity,
)
from servicekit.auth.service import sign_service, verify_service

NOW = 1_800_000_000.0
BODY = b'{"query":"{ me { id } }"}'
OTHER = b'{"query":"mutation { placeOrder(input: {idempotencyKey: \\"k\\", items: []}) { id } }"}'


def test_round_trip_and_scope_order() -> None:
    headers = sign_identity("k", "42", ["b", "a", "a"], body=BODY, now=NOW)
    assert {k: v for k, v in headers.items() if k != SIGNATURE_HEADER} == {
        "x-user-id": "42",
        "x-user-scopes": "a b",
    }
    assert verify_identity(headers, "k", body=BODY, now=NOW + 10) == ForwardedIdentity(
        "42", frozenset({"a", "b"})
    )


def test_every_tampering_is_anonymous() -> None:
    good = sign_identity("k", "42", ["read:orders"], body=BODY, now=NOW)
    version, stamp, mac = good[SIGNATURE_HEADER].split(";")
    cases = {
        "other user": {**good, "x-user-id": "1"},
        "added scope": {**good, "x-user-scopes": "read:orders read:activity"},
        "wrong secret": good,
        "no signature": {k: v for k, v in good.items() if k != SIGNATURE_HEADER},
        "old version": {**good, SIGNATURE_HEADER: f"v1;{stamp};{mac}"},
        "moved timestamp": {**good, SIGNATURE_HEADER: f"{version};{int(stamp) + 1};{mac}"},
        "huge timestamp": {**good, SIGNATURE_HEADER: f"{version};{'9' * 5000};{mac}"},
        "garbage": {**good, SIGNATURE_HEADER: "nonsense"},
        "CR/LF subject": {**good, "x-user-id": "42\r\nx-evil: 1"},
    }
    secrets = {name: ("other" if name == "wrong secret" else "k") for name in cases}
    seen = {
        name: verify_identity(h, secrets[name], body=BODY, now=NOW) for name, h in cases.items()
    }
    assert seen == dict.fromkeys(cases)


def test_a_signature_does_not_verify_with_another_body() -> None:
    """Issue #11: a captured signature replayed on another request is anonymous."""
    headers = sign_identity("k", "42", ["read:orders"], body=BODY, now=NOW)
    assert verify_identity(headers, "k", body=OTHER, now=NOW) is None
    rebound = bind_identity(headers, OTHER, "k", now=NOW)
    assert verify_identity(rebound, "k", body=OTHER, now=NOW) == ForwardedIdentity(
        "42", frozenset({"read:orders"})
    )
    assert verify_identity(rebound, "k", body=BODY, now=NOW) is None


def test_bind_leaves_anonymous_headers_and_forwarding_off_alone() -> None:
    plain = {"accept": "application/json"}
    assert bind_identity(plain, BODY, "k") is plain
    signed = sign_identity("k", "42", [], body=BODY, now=NOW)
    assert bind_identity(signed, OTHER, None) is signed


def test_signatures_live_thirty_seconds() -> None:
    headers = sign_identity("k", "42", [], body=BODY, now=NOW)
    assert verify_identity(headers, "k", body=BODY, now=NOW + 30) is not None
    assert verify_identity(headers, "k", body=BODY, now=NOW + 31) is None
    assert verify_identity(headers, "k", body=BODY, now=NOW - 31) is None


def test_scopes_that_are_not_scope_tokens_are_left_out() -> None:
    """Found by the token fuzz e2e: a scope with a control character broke the subgraph call."""
    headers = sign_identity("k", "42", ["ok", "\x08", 'a"b', "c\\d", ""], body=BODY, now=NOW)
    assert headers["x-user-scopes"] == "ok"
    assert verify_identity(headers, "k", body=BODY, now=NOW) == ForwardedIdentity(
        "42", frozenset({"ok"})
    )


def test_a_subject_a_header_cannot_carry_is_refused() -> None:
    for subject in ("4\r\n2", "42\n", "", "a b", "x" * 256):
        with pytest.raises(ValueError):
            sign_identity("k", subject, [], body=BODY, now=NOW)


def test_service_identity_names_caller_and_audience_and_binds_the_body() -> None:
    headers = sign_service("k", "orders", "inventory", BODY, now=NOW)
    assert verify_service(headers, "k", "inventory", BODY, now=NOW + 5) == "orders"
    refused = {
        "other audience": verify_service(headers, "k", "products", BODY, now=NOW),
        "other body": verify_service(headers, "k", "inventory", OTHER, now=NOW),
        "other secret": verify_service(headers, "x", "inventory", BODY, now=NOW),
        "newline caller": verify_service(
            {**headers, "x-service-name": "orders\n"}, "k", "inventory", BODY, now=NOW
        ),
        "renamed caller": verify_service(
            {**headers, "x-service-name": "reviews"}, "k", "inventory", BODY, now=NOW
        ),
        "stale": verify_service(headers, "k", "inventory", BODY, now=NOW + 31),
    }
    assert refused == dict.fromkeys(refused)


def test_a_user_signature_never_passes_as_a_service_one() -> None:
    user = sign_identity("k", "orders", [], body=BODY, now=NOW)
    forged = {"x-service-name": "orders", "x-service-signature": user[SIGNATURE_HEADER]}
    forged["x-service-signature"] = forged["x-service-signature"].replace("v2;", "s1;", 1)
    assert verify_service(forged, "k", "inventory", BODY, now=NOW) is None
