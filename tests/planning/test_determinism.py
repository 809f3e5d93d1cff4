"""Same input, same plan: also across processes with different hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from graphql import parse
from router.planning import plan_operation, print_plan
from benchmarks.workload import QUERY_PATH
from tests.planning.helpers import fixture
operation = QUERY_PATH.read_text()
print(print_plan(plan_operation(fixture("bench"), parse(operation), None)))
print(print_plan(plan_operation(fixture("shop"), parse(
    '{ search(term: "x") { ... on Book { title pages } ... on Movie { director } }'
    ' products { price stock rating } }'), None)))
"""


def _plan_in_process(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_plans_do_not_depend_on_hash_seeds() -> None:
    first = _plan_in_process("1")
    assert first.startswith("QueryPlan {")
    assert _plan_in_process("2") == first
