"""One secured platform (five subgraph processes) for the whole package; routers per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.e2e.platform import Platform, running_platform


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("secured")) as running:
        yield running
