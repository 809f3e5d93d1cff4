"""The fuzz suite's processes, started once for the package (tests/fuzz/stack.py), one keep-alive
``httpx.Client``, and the case counts printed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fuzz.properties import CASES, ERRORS, OUTCOMES
from tests.fuzz.stack import FuzzStack, running_fuzz_stack


@pytest.fixture(scope="package")
def fuzz_stack(
    subgraph_stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzStack]:
    with running_fuzz_stack(tmp_path_factory.mktemp("fuzz"), subgraph_stack) as stack:
        yield stack


@pytest.fixture(scope="package")
def client() -> Iterator[httpx.Client]:
    # uvicorn closes a connection idle for 5 s; httpx's default expiry is also 5 s, so under load
    # a reused connection could be closed under a request ("Server disconnected"): expire first
    limits = httpx.Limits(keepalive_expiry=1.0)
    # 120 s: a bound for a hung server, not a speed check (a loaded 2-core machine is slow)
    with httpx.Client(timeout=120.0, limits=limits) as http:
        del http.headers["accept"]  # a request without Accept is a case of its own
        yield http


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The number of cases run per target (hypothesis examples that reached a server)."""
    if not CASES:
        return
    terminalreporter.section("fuzz cases")
    terminalreporter.write_line(f"{sum(CASES.values())} in total")
    for target, count in sorted(CASES.items()):
        terminalreporter.write_line(f"  {target}: {count}")
    outcomes = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(OUTCOMES.items()))
    terminalreporter.write_line(f"answers: {outcomes}")
    terminalreporter.write_line("most frequent errors:")
    for error, count in ERRORS.most_common(12):
        terminalreporter.write_line(f"  {count:5d}  {error}")
