"""``make schema-check`` over a copy of the repository where a subgraph's code and its exported
SDL disagree (here: the committed SDL, and the supergraph composed from it, have a field the
code does not serve, which is what a code change without ``make sdl`` leaves). The check used to
pass (composition and staleness only look at the files); it must fail and say what to run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servicekit.topology import PROJECT_ROOT

pytestmark = [pytest.mark.e2e]

VENV = Path(sys.executable).parent.parent


def _copy_of_the_repository(target: Path) -> Path:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    )
    for name in listing.stdout.decode().split("\0"):
        source = PROJECT_ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run(copy: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}  # import the copy's code, not this checkout's
    return subprocess.run(
        argv, cwd=copy, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def test_schema_check_fails_when_the_exported_sdl_is_not_what_the_subgraph_serves(
    tmp_path: Path,
) -> None:
    copy = _copy_of_the_repository(tmp_path / "repo")
    sdl = copy / "schema" / "subgraphs" / "products.graphql"
    sdl.write_text(sdl.read_text() + "\ntype ExportProbe {\n  id: ID!\n}\n")
    composed = _run(copy, str(VENV / "bin" / "schema"), "compose")
    assert composed.returncode == 0, composed.stdout + composed.stderr

    synced = VENV / ".synced"
    check = _run(
        copy,
        "make",
        "--no-print-directory",
        "-o",
        str(synced),
        f"VENV={VENV}",
        f"SCHEMA_BASE={copy / 'schema' / 'supergraph.graphql'}",
        "schema-check",
    )
    assert check.returncode != 0, check.stdout + check.stderr
    assert check.stdout.splitlines() == [
        "schema/subgraphs/products.graphql differs",
        "schema-check: a subgraph serves another SDL than schema/subgraphs/ holds: run"
        " `make sdl schema-compose` and commit the files",
    ]
