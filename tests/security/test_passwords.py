"""Argon2id hashing: round trip, mismatch, corrupt hashes and parameter upgrades."""

from __future__ import annotations

from servicekit.auth import PasswordHashing

FAST = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}


def test_hash_then_verify_round_trip() -> None:
    hashing = PasswordHashing(**FAST)
    encoded = hashing.hash_password("correct horse battery staple")
    assert encoded.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert hashing.verify_password(encoded, "correct horse battery staple") is True
    assert hashing.verify_password(encoded, "Correct horse battery staple") is False


def test_same_password_gets_a_fresh_salt() -> None:
    hashing = PasswordHashing(**FAST)
    assert hashing.hash_password("pw") != hashing.hash_password("pw")


def test_corrupt_hash_is_a_no_not_a_crash() -> None:
    hashing = PasswordHashing(**FAST)
    assert hashing.verify_password("not-a-hash", "pw") is False
    assert hashing.verify_dummy("pw") is False


def test_needs_rehash_after_parameters_change() -> None:
    old = PasswordHashing(**FAST).hash_password("pw")
    stronger = PasswordHashing(time_cost=2, memory_cost_kib=16, parallelism=1)
    assert stronger.needs_rehash(old) is True
    assert stronger.verify_password(old, "pw") is True
    assert stronger.needs_rehash(stronger.hash_password("pw")) is False
    assert stronger.needs_rehash("garbage") is True
