"""Real processes for the edge tests: the misbehaving subgraph and routers over its supergraph."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.http.router_process import start_process

__all__ = ["FlakySubgraph", "flaky_subgraph", "whole"]

IGNORED_HEADERS = frozenset({"date"})


class FlakySubgraph:
    def __init__(self, url: str, process: ManagedProcess) -> None:
        self.url = url
        self.process = process

    @property
    def supergraph_url(self) -> str:
        return f"{self.url}/supergraph.graphql"


@contextmanager
def flaky_subgraph(workdir: Path, *, delay_seconds: float = 30.0) -> Iterator[FlakySubgraph]:
    """``tests.http.flaky_subgraph`` on a free port; ``/slow`` answers after ``delay_seconds``."""
    port = free_port()
    spec = ProcessSpec(
        name="flaky-subgraph",
        argv=[
            sys.executable,
            "-m",
            "tests.http.flaky_subgraph",
            "--port",
            str(port),
            "--delay",
            str(delay_seconds),
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, workdir / "flaky-subgraph.log") as process:
        yield FlakySubgraph(f"http://127.0.0.1:{port}", process)


def whole(response: httpx.Response) -> tuple[int, dict[str, str], str]:
    """Status, every header but ``date`` (lower-cased names), and the body text."""
    headers = {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower() not in IGNORED_HEADERS
    }
    return response.status_code, headers, response.text
