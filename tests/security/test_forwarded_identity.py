"""servicekit.auth.forwarded: the router's signed identity headers and the subgraphs' check."""

from __future__ import annotations

from servicekit.auth.forwarded import (
    SIGNATURE_HEADER,
    ForwardedIdentity,
    sign_identity,
    verify_identity,
)

NOW = 1_800_000_000.0


def test_round_trip_and_scope_order() -> None:
    headers = sign_identity("k", "42", ["b", "a", "a"], now=NOW)
    assert {k: v for k, v in headers.items() if k != SIGNATURE_HEADER} == {
        "x-user-id": "42",
        "x-user-scopes": "a b",
    }
    assert verify_identity(headers, "k", now=NOW + 10) == ForwardedIdentity(
        "42", frozenset({"a", "b"})
    )


def test_every_tampering_is_anonymous() -> None:
    good = sign_identity("k", "42", ["read:orders"], now=NOW)
    version, stamp, mac = good[SIGNATURE_HEADER].split(";")
    cases = {
        "other user": {**good, "x-user-id": "1"},
        "added scope": {**good, "x-user-scopes": "read:orders read:activity"},
        "wrong secret": good,
        "no signature": {k: v for k, v in good.items() if k != SIGNATURE_HEADER},
        "bad version": {**good, SIGNATURE_HEADER: f"v2;{stamp};{mac}"},
        "moved timestamp": {**good, SIGNATURE_HEADER: f"{version};{int(stamp) + 1};{mac}"},
        "garbage": {**good, SIGNATURE_HEADER: "nonsense"},
    }
    secrets = {name: ("other" if name == "wrong secret" else "k") for name in cases}
    seen = {name: verify_identity(h, secrets[name], now=NOW) for name, h in cases.items()}
    assert seen == dict.fromkeys(cases)


def test_stale_signatures_are_refused() -> None:
    headers = sign_identity("k", "42", [], now=NOW)
    assert verify_identity(headers, "k", now=NOW + 300) is not None
    assert verify_identity(headers, "k", now=NOW + 301) is None
    assert verify_identity(headers, "k", now=NOW - 301) is None


def test_scopes_that_are_not_scope_tokens_are_left_out() -> None:
    """Found by the token fuzz e2e: a scope with a control character broke the subgraph call."""
    headers = sign_identity("k", "42", ["ok", "\x08", 'a"b', "c\\d", ""], now=NOW)
    assert headers["x-user-scopes"] == "ok"
    assert verify_identity(headers, "k", now=NOW) == ForwardedIdentity("42", frozenset({"ok"}))
