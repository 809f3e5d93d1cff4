"""What ``stack up`` does when things go wrong, over real processes on free ports:

- a port already held by another server (one that even answers ``/ready``, as another stack
  does): nothing starts, the port is named, exit 1 (it used to report "ready" and exit 0);
- a service that dies during start-up: its last log lines are printed, the others stopped, exit 1;
- a service killed after start-up: restarted with backoff on the same port, the stack keeps
  running, and the log of each run starts empty (the previous run's is kept as ``.log.1``).
"""

from __future__ import annotations

import http.server
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from servicekit.processes import free_port
from tests.devstack.stackrun import StackRun, bound

pytestmark = [pytest.mark.e2e]


class _AlwaysReady(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ready"}')

    def log_message(self, *_: object) -> None:
        return


def test_a_taken_port_starts_nothing_and_exits_1(runs: list[StackRun], tmp_path: Path) -> None:
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysReady)
    port = other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        run = StackRun(
            ["--data-dir", str(tmp_path), "--no-seed", "--only=products", f"--port=products={port}"]
        )
        runs.append(run)
        returncode = run.wait_exit(timeout=60)
    finally:
        other.shutdown()
        other.server_close()
    assert (returncode, run.lines) == (
        1,
        [
            f"stack: port {port} (products) is already in use",
            "stack: nothing started: stop the other stack, or move ports with --port NAME=PORT",
        ],
    )
    assert run.survivors_after() == {}


def test_a_service_dying_during_start_up_is_explained_and_fails_the_run(
    runs: list[StackRun], tmp_path: Path
) -> None:
    (tmp_path / "products.db").mkdir()  # SQLite cannot open a directory: products exits
    ports = [free_port(), free_port()]
    args = ["--data-dir", str(tmp_path), "--no-seed", "--only=products", "--only=reviews"]
    run = StackRun([*args, f"--port=products={ports[0]}", f"--port=reviews={ports[1]}"])
    runs.append(run)
    returncode = run.wait_exit(timeout=150)
    assert returncode == 1, run.output
    failed = run.lines.index(next(x for x in run.lines if "products exited with code" in x))
    assert run.lines[failed].endswith("before it was ready")
    assert run.lines[failed + 1] == "stack: last lines of products's log:"
    tail = run.lines[failed + 2 : run.lines.index("stack: start-up failed; stopping the others")]
    assert tail and all(line.startswith("stack:   | ") for line in tail)
    assert any("unable to open database file" in line for line in tail), run.output
    assert run.lines[-1] == "stack: stopped"
    assert "services ready" not in run.output
    assert run.survivors_after() == {}
    assert bound(ports) == []


def test_a_killed_service_is_restarted_and_logs_start_fresh_each_run(
    runs: list[StackRun], tmp_path: Path
) -> None:
    port = free_port()
    args = ["--data-dir", str(tmp_path), "--no-seed", "--only=products", f"--port=products={port}"]
    run = StackRun(args)
    runs.append(run)
    run.wait_for("services ready")
    first = run.wait_for_child("serve products")
    signal_time = time.monotonic()
    os.kill(first, signal.SIGKILL)
    run.wait_for("products restarted and ready", timeout=150)
    assert run.process.poll() is None
    assert time.monotonic() - signal_time >= 1.0  # the first backoff delay
    killed = run.lines.index("stack: products was killed by SIGKILL")
    assert run.lines[killed + 1] == "stack: last lines of products's log:"
    assert "stack: restarting products in 1 s" in run.lines[killed:]
    second = run.wait_for_child("serve products")
    assert second != first
    assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
    log = tmp_path / "logs" / "products.log"
    assert f"Started server process [{first}]" in log.read_text()
    assert f"Started server process [{second}]" in log.read_text()
    run.signal_group(signal.SIGINT)
    assert run.wait_exit() == 0
    assert run.survivors_after() == {}

    again = StackRun(args)
    runs.append(again)
    again.wait_for("services ready")
    third = again.wait_for_child("serve products")
    again.signal_group(signal.SIGINT)
    assert again.wait_exit() == 0
    current = log.read_text()
    previous = (tmp_path / "logs" / "products.log.1").read_text()
    assert f"Started server process [{third}]" in current
    assert f"[{first}]" not in current and f"[{second}]" not in current
    assert f"Started server process [{second}]" in previous
