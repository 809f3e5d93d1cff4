"""``bench gateways --baseline REV`` (issue #20): an earlier commit's router measured in the same
run as today's, so "before" and "after" share the machine's load and the subgraphs' process.

The commit's tree is exported (``git archive``) into ``.cache/baseline/<sha>/`` and given its own
virtual environment from its own lock file (``uv sync --frozen --no-dev``: the runtime only, so it
runs as the pure Python it was) on this environment's interpreter, since the interpreter's build
alone moves the router's CPU per request by 10% (the Makefile's ``PYTHON``); both are kept for the
next run, and remade for another interpreter. Its router is then started like
ours, with the same benchmark configuration, as the gateways ``router-nodedup@base``,
``router@base`` and ``router-dedupe@base``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from benchmarks.gateways import GATEWAYS, ROUTER_GATEWAYS, router_argv

__all__ = ["BASELINE_REV", "BASELINE_SUFFIX", "add_baseline", "prepare_baseline"]

BASELINE_REV = "51cb7f4353d93099432de94ed0b61119606c5e3d"
"""Main when issue #20 was filed (2026-12-03, before the ``perf`` merge ``d8b2327``): the
"today's main" its table was measured on."""

BASELINE_SUFFIX = "@base"
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "baseline"
_UV = ROOT / ".cache" / "tools" / "bin" / "uv"  # the Makefile's pinned uv


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
    ).stdout.strip()


def prepare_baseline(rev: str) -> tuple[str, Path]:
    """The full sha of ``rev`` and its router executable, exported and installed if missing."""
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    checkout = CACHE / sha
    router = checkout / ".venv" / "bin" / "router"
    complete = checkout / ".installed"
    interpreter = os.path.realpath(sys.executable)  # this venv's base CPython
    if complete.exists() and router.exists() and complete.read_text() == interpreter:
        return sha, router
    print(f"bench: exporting {sha[:12]}, installing its runtime (uv sync --frozen) ...", flush=True)
    shutil.rmtree(checkout, ignore_errors=True)  # an earlier install that did not finish
    checkout.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, stdout=archive, timeout=300)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            # our own repository's archive; the "data" filter (PEP 706) where this CPython
            # has it (3.11.4 and later; Debian 12's 3.11.2 does not)
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(checkout, **safe)
    uv = str(_UV) if _UV.exists() else shutil.which("uv")
    if uv is None:
        raise RuntimeError("bench --baseline needs uv: run `make .venv/.synced` first")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(checkout / ".venv")}
    subprocess.run(
        [uv, "sync", "--frozen", "--no-dev", "--quiet", "--python", interpreter],
        cwd=checkout,
        env=env,
        check=True,
        timeout=900,
    )
    complete.write_text(interpreter)
    return sha, router


def add_baseline(rev: str, modes: Sequence[str] = ROUTER_GATEWAYS) -> list[str]:
    """Register the baseline's router gateways for ``modes`` (router gateway names); their names,
    to measure with ours."""
    sha, router = prepare_baseline(rev)
    names = []
    for name in modes:
        ours = GATEWAYS[name]
        based = f"{name}{BASELINE_SUFFIX}"
        GATEWAYS[based] = replace(
            ours,
            name=based,
            label=f"{ours.label} at {sha[:7]} (before)",
            argv=router_argv(name, router),
        )
        names.append(based)
    return names
