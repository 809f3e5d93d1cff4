"""``stack up`` as a real process: it seeds, starts the five subgraphs (``--only``: the router and
BFFs have their own tests), and on SIGTERM stops them all (ports chosen free, stores in a
temporary folder, never the dev ports)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for_line(log: Path, text: str, limit_seconds: float = 180.0) -> None:
    """The stack's own word that every service is ready: the subgraphs start concurrently, so
    one ``/ready`` answering says nothing of the others (this raced on a loaded machine)."""
    deadline = time.monotonic() + limit_seconds
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"stack never said {text!r}"
        time.sleep(0.2)


def test_stack_up_starts_everything_and_stops_on_sigterm(tmp_path: Path) -> None:
    ports = {name: free_port() for name in SUBGRAPHS}
    argv = [sys.executable, "-m", "devstack.cli", "up", "--data-dir", str(tmp_path / "stores")]
    argv += [f"--only={name}" for name in SUBGRAPHS]
    argv += [f"--port={name}={port}" for name, port in ports.items()]
    last = SUBGRAPHS[-1]
    spec = ProcessSpec("stack", argv, f"http://127.0.0.1:{ports[last]}/ready", cwd=PROJECT_ROOT)
    log = tmp_path / "stack.log"
    stack = ManagedProcess(spec, log_path=log)
    stack.start(ready_timeout_seconds=180)
    try:
        _wait_for_line(log, f"all {len(SUBGRAPHS)} services ready in")
        for port in ports.values():
            assert _answers(f"http://127.0.0.1:{port}/ready")
        users = httpx.post(
            f"http://127.0.0.1:{ports['accounts']}/graphql",
            json={"query": "{ users(first: 2) { id } }"},
            timeout=5,
        )
        assert users.json() == {"data": {"users": [{"id": "1"}, {"id": "2"}]}}
    finally:
        stack.stop(grace_seconds=60)
    for port in ports.values():
        assert not _answers(f"http://127.0.0.1:{port}/health")
    output = log.read_text()
    for name, port in ports.items():
        assert f"{name:<12} http://127.0.0.1:{port}/graphql" in output
    assert "SIGTERM received, stopping" in output
    assert output.rstrip().endswith("stack: stopped")
