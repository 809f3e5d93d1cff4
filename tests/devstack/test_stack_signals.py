"""Ctrl-C (SIGINT to ``stack up``'s whole process group, as a terminal sends it) and SIGTERM stop
every process the stack started, children included, at any moment: during start-up (services
spawned, not ready) and after all are ready. Checked over real processes: nothing carrying the
run's marker survives and no port of the run stays bound. One subgraph, free ports, no seeding:
a few seconds per case."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from servicekit.processes import free_port
from tests.devstack.stackrun import StackRun, bound

pytestmark = [pytest.mark.e2e]


def _start(runs: list[StackRun], tmp_path: Path, *names: str) -> tuple[StackRun, list[int]]:
    ports = [free_port() for _ in names]
    args = ["--data-dir", str(tmp_path / "data"), "--no-seed"]
    args += [f"--only={name}" for name in names]
    args += [f"--port={name}={port}" for name, port in zip(names, ports, strict=True)]
    run = StackRun(args)
    runs.append(run)
    return run, ports


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_start_up_stops_every_started_process(
    runs: list[StackRun], tmp_path: Path, signum: signal.Signals
) -> None:
    run, ports = _start(runs, tmp_path, "products", "reviews")
    run.wait_for_child("serve products")
    run.wait_for_child("serve reviews")
    assert "ready" not in run.output  # still starting: the services are importing
    run.signal_group(signum)
    returncode = run.wait_exit()
    assert run.survivors_after() == {}, run.output
    assert bound(ports) == []
    assert returncode == 0, run.output
    assert f"stack: {signum.name} received, stopping" in run.lines
    assert run.lines[-1] == "stack: stopped"


def test_ctrl_c_after_ready_stops_every_started_process(
    runs: list[StackRun], tmp_path: Path
) -> None:
    run, ports = _start(runs, tmp_path, "products")
    run.wait_for("services ready")
    assert len(run.children()) == 1
    run.signal_group(signal.SIGINT)
    returncode = run.wait_exit()
    assert run.survivors_after() == {}, run.output
    assert bound(ports) == []
    assert (returncode, run.lines[-2:]) == (
        0,
        ["stack: SIGINT received, stopping", "stack: stopped"],
    )


def test_a_second_ctrl_c_while_stopping_still_leaves_nothing_behind(
    runs: list[StackRun], tmp_path: Path
) -> None:
    run, ports = _start(runs, tmp_path, "products", "reviews")
    run.wait_for_child("serve products")
    run.wait_for_child("serve reviews")
    run.signal_group(signal.SIGINT)
    run.wait_for("SIGINT received")
    run.signal_group(signal.SIGINT)  # the impatient second press
    run.wait_exit()
    assert run.survivors_after() == {}, run.output
    assert bound(ports) == []
