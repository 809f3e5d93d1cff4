"""``stack up --replicas router=2,products=2`` (issue #19) as a real process: two router
processes behind HAProxy on the router's port (health-checked, both UP), a second products
process on the same store whose URL the routers balance to, the benchmark query answered through
HAProxy; SIGTERM stops everything (HAProxy included)."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.workload import QUERY_PATH
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NAMES = ["accounts", "products", "inventory", "reviews", "router"]
PROCESSES = [
    "accounts",
    "products",
    "products_r2",
    "inventory",
    "reviews",
    "router_r1",
    "router_r2",
]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_stack_up_with_replicas_behind_haproxy(tmp_path: Path) -> None:
    ports = {name: free_port() for name in [*PROCESSES, "router", "haproxy"]}
    argv = [sys.executable, "-m", "devstack.cli", "up", "--data-dir", str(tmp_path / "data")]
    argv += [f"--only={name}" for name in NAMES]
    argv += ["--replicas", "router=2,products=2", "--no-export"]
    argv += [f"--port={name}={port}" for name, port in ports.items()]
    # through HAProxy: 200 once a router replica is UP; then the stack's own "all ready" line
    spec = ProcessSpec("stack", argv, f"http://127.0.0.1:{ports['router']}/ready", cwd=PROJECT_ROOT)
    log = tmp_path / "stack.log"
    stack = ManagedProcess(spec, log_path=log)
    stack.start(ready_timeout_seconds=240)
    try:
        deadline = time.monotonic() + 240
        while "services ready in" not in log.read_text():
            assert stack.is_running() and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        for name in PROCESSES:
            assert _answers(f"http://127.0.0.1:{ports[name]}/ready"), name
        states = {}
        for _ in range(100):
            text = httpx.get(f"http://127.0.0.1:{ports['haproxy']}/stats;csv").text
            rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
            states = {r["svname"]: r["status"] for r in rows if r["pxname"] == "router"}
            if states.get("router-1") == states.get("router-2") == "UP":
                break
            httpx.get(f"http://127.0.0.1:{ports['router_r1']}/health")  # a short pause
        assert (states["router-1"], states["router-2"]) == ("UP", "UP")
        body = {"query": QUERY_PATH.read_text(), "operationName": "TestQuery"}
        through = httpx.post(f"http://127.0.0.1:{ports['router']}/graphql", json=body, timeout=60)
        direct = httpx.post(f"http://127.0.0.1:{ports['router_r1']}/graphql", json=body, timeout=60)
        assert through.status_code == 200 and "errors" not in through.json()
        assert through.json() == direct.json()
        ready = httpx.get(f"http://127.0.0.1:{ports['router_r2']}/ready", timeout=10).json()
        pool = ready["checks"]["replicas"]["pools"]["products"]
        assert [e["url"] for e in pool] == [
            f"http://127.0.0.1:{ports['products']}/graphql",
            f"http://127.0.0.1:{ports['products_r2']}/graphql",
        ]
    finally:
        stack.stop(grace_seconds=60)
    for name in [*PROCESSES, "haproxy"]:
        assert not _answers(f"http://127.0.0.1:{ports[name]}/health"), name
    output = log.read_text()
    assert "HAProxy in front of router" in output
    assert output.rstrip().endswith("stack: stopped")
