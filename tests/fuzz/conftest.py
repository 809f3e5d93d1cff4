"""The fuzz suite's processes, started once for the package (tests/fuzz/stack.py), one keep-alive
``httpx.Client``, and the case counts printed at the end."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fuzz.properties import CASES
from tests.fuzz.stack import FuzzStack, running_fuzz_stack


@pytest.fixture(scope="package")
def fuzz_stack(
    subgraph_stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzStack]:
    with running_fuzz_stack(tmp_path_factory.mktemp("fuzz"), subgraph_stack) as stack:
        yield stack


@pytest.fixture(scope="package")
def client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as http:
        del http.headers["accept"]  # a request without Accept is a case of its own
        yield http
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"  {target}: {count}" for target, count in sorted(CASES.items())]
    summary = "\n".join([f"fuzz cases: {sum(CASES.values())} in total", *lines])
    if reporter is not None:
        reporter.write_line("\n" + summary)
    else:
        print(summary)
