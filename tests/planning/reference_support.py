"""Run Apollo's query planner (``@apollo/query-planner``, pinned in reference/package.json).

The packages are installed by ``npm ci`` into the git-ignored ``.cache/planning-reference``;
without Node.js (or when the install fails) the callers fail with the reason: a reference
cross-check that cannot run is a failure, never a skip (issue #21).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "count_fetches",
    "count_steps",
    "ensure_reference",
    "reference_plan",
    "run_reference",
]

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "reference"
MODULES = ROOT / ".cache" / "planning-reference"


def ensure_reference() -> Path:
    """The installed reference packages folder, or ``pytest.fail`` saying why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("Node.js/npm not installed: the Apollo reference planner cannot run")
    marker = MODULES / "node_modules" / "@apollo" / "query-planner" / "package.json"
    if not marker.exists():
        MODULES.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(REFERENCE / name, MODULES / name)
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=MODULES,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if result.returncode != 0 or not marker.exists():
            pytest.fail(f"npm ci of the reference planner failed: {result.stderr[-500:]}")
    return MODULES


def run_reference(payload: dict[str, Any]) -> dict[str, Any]:
    """Run ``reference/plan.cjs`` on ``payload``; its JSON answer (errors raise)."""
    modules = ensure_reference()
    result = subprocess.run(
        ["node", str(REFERENCE / "plan.cjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={
            "PLANNING_REFERENCE_MODULES": str(modules),
            "PATH": str(Path(shutil.which("node") or "node").parent),
        },
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    if "errors" in answer:
        raise AssertionError(f"the reference failed: {answer['errors']}")
    return answer


def reference_plan(supergraph_sdl: str, operation: str) -> dict[str, Any]:
    """Apollo's plan: ``{"text": ..., "json": ...}``."""
    return run_reference({"supergraphSdl": supergraph_sdl, "operation": operation})


def count_fetches(node: Any) -> int:
    """Fetch nodes in a JSON plan (Apollo's or ours)."""
    if isinstance(node, dict):
        own = 1 if node.get("kind") == "Fetch" else 0
        return own + sum(count_fetches(value) for value in node.values())
    if isinstance(node, list):
        return sum(count_fetches(item) for item in node)
    return 0


def count_steps(node: Any) -> int:
    """Sequential fetch steps of a JSON plan (Apollo's or ours): the longest chain of fetches
    that must wait for one another (Sequence adds, Parallel and Condition take the longest)."""
    if not isinstance(node, dict):
        return 0
    kind = node.get("kind")
    if kind == "QueryPlan":
        return count_steps(node.get("node"))
    if kind in ("Fetch", "Flatten"):
        return 1
    if kind == "Sequence":
        return sum(count_steps(child) for child in node.get("nodes", []))
    if kind == "Parallel":
        return max((count_steps(child) for child in node.get("nodes", [])), default=0)
    if kind == "Condition":
        return max(count_steps(node.get("ifClause")), count_steps(node.get("elseClause")))
    if kind == "Defer":
        primary = node.get("primary") or {}
        return count_steps(primary.get("node")) + max(
            (count_steps(d.get("node")) for d in node.get("deferred", [])), default=0
        )
    raise AssertionError(f"unknown plan node kind {kind!r}")
