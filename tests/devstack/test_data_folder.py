"""Tests never write into the repository's data/ (issue #12): an accounts service started by a
test, as a real process through tests/support/stack.py or in-process, keeps its signing keys in
the session's temporary folder (it used to create data/keys)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from servicekit.auth import KeyStore
from servicekit.topology import PROJECT_ROOT
from subgraphs.accounts.app import Settings
from tests.support.stack import running_stack

pytestmark = [pytest.mark.e2e]


def test_accounts_keys_of_a_test_stack_are_outside_data(
    tmp_path: Path, keys_outside_the_repository: Path
) -> None:
    assert Settings().keys_dir == keys_outside_the_repository
    assert not keys_outside_the_repository.is_relative_to(PROJECT_ROOT)
    with running_stack(tmp_path, ["accounts"]) as stack:
        jwks = httpx.get(f"{stack.base_url('accounts')}/.well-known/jwks.json", timeout=10).json()
    keys = KeyStore(keys_outside_the_repository).load()
    assert keys is not None
    assert [key["kid"] for key in jwks["keys"]] == [keys.current.kid]
