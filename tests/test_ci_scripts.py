"""CI's own scripts fail loudly (issue #21): a missing required tool stops ``.ci/run`` with a
clear message before anything runs (instead of the tests that need it skipping), and
``make test`` fails when pytest collects nothing.

Nothing here installs a package or starts a service: ``CI_NO_INSTALL=1`` makes
``.ci/check-tools`` only check, and the PATH given to ``.ci/run`` has a ``make`` that only
says it was reached (so a broken check could never start a whole CI run from inside the suite).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from servicekit.topology import PROJECT_ROOT

BASH = shutil.which("bash") or "/bin/bash"


def _path_without(tmp_path: Path, *absent: str, fake_make: bool = False) -> str:
    """A PATH of one folder linking every program of the current PATH but ``absent``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir() or ".venv" in directory:
            continue
        for program in Path(directory).iterdir():
            target = folder / program.name
            if program.name in absent or target.exists() or not os.access(program, os.X_OK):
                continue
            target.symlink_to(program)
    if fake_make:
        (folder / "make").unlink(missing_ok=True)
        (folder / "make").write_text('#!/bin/sh\necho "ci-test: make was reached: $*"\nexit 97\n')
        (folder / "make").chmod(0o755)
    assert not any((folder / name).exists() for name in absent)
    return str(folder)


def _run(command: list[str], path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "CI_NO_INSTALL": "1"}
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_tools_names_node_when_it_is_not_on_path(tmp_path: Path) -> None:
    run = _run([BASH, ".ci/check-tools", "--no-install"], _path_without(tmp_path, "node"))

    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.splitlines() == [
        "ci: FAILED: required tools missing (not on PATH, or could not be installed):",
        "ci:   node (Debian package nodejs)",
        "ci: the tests that need them would not run; install them and rerun .ci/run",
    ]


def test_ci_run_stops_before_anything_else_without_node(tmp_path: Path) -> None:
    run = _run([BASH, ".ci/run"], _path_without(tmp_path, "node", fake_make=True))

    assert run.returncode == 1, run.stdout + run.stderr
    assert "ci:   node (Debian package nodejs)" in run.stderr
    assert "make was reached" not in run.stdout
    assert "starting" not in run.stdout


def test_ci_run_reaches_lint_when_every_tool_is_there(tmp_path: Path) -> None:
    """The other direction: the same PATH with node present passes the check and the
    services' checks, and goes on to ``make lint`` (the fake make stops it there)."""
    run = _run([BASH, ".ci/run"], _path_without(tmp_path, fake_make=True))

    assert run.returncode == 97, run.stdout + run.stderr
    assert run.stdout.splitlines()[-2:] == [
        "ci: Redis, PostgreSQL, NATS (JetStream) and RabbitMQ answer",
        "ci-test: make was reached: lint",
    ]


@pytest.mark.parametrize(
    "missing", ["npm", "nats-server", "rabbitmq-server", "redis-server", "wrk"]
)
def test_check_tools_names_any_missing_tool(tmp_path: Path, missing: str) -> None:
    run = _run([BASH, ".ci/check-tools"], _path_without(tmp_path, missing))

    assert run.returncode == 1, run.stdout + run.stderr
    assert f"ci:   {missing} (Debian package " in run.stderr


def test_make_test_fails_when_no_test_is_collected(tmp_path: Path) -> None:
    empty = tmp_path / "no-tests-here"
    empty.mkdir()
    make = shutil.which("make")
    assert make is not None
    run = _run([make, "--no-print-directory", "test", f"PYTEST_ARGS={empty}"], os.environ["PATH"])

    assert run.returncode != 0, run.stdout + run.stderr
    assert "make test: FAILED: pytest collected no tests" in run.stderr
