"""Fixtures of the ``stack up`` tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.devstack.stackrun import StackRun


@pytest.fixture
def runs() -> Iterator[list[StackRun]]:
    """The test's ``stack up`` runs; whatever happens, none of their processes survive it."""
    started: list[StackRun] = []
    yield started
    for run in started:
        run.cleanup()
