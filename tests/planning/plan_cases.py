"""Every operation the planner tests plan, gathered by running them with a recording planner.

The plan-quality check (``test_reference.py``) compares each of them with Apollo's planner:
instead of a hand-kept list, the test functions of ``tests/planning/test_*.py`` are run once
with ``plan_text`` recording (supergraph SDL, operation); their own assertions are not the
point here and their outcome is ignored. Cases with progressive override labels are left out
(Apollo's planner takes labels from its own configuration, not per call).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from router.supergraph import Supergraph, load_supergraph
from tests.planning import helpers

__all__ = ["PlanCase", "planner_test_cases"]

HERE = Path(__file__).resolve().parent
_LEFT_OUT = frozenset({"test_reference", "test_context_arguments"})
"""The comparison itself (it gathers these cases), and the @context supergraphs, which
``@apollo/query-planner`` 2.14 loads only with Apollo Router's feature set ("context/v0.1 is
for: SECURITY but is unsupported" otherwise): test_context_arguments compares them itself,
including where Apollo's plan reads a context value before the fetch delivering it."""


@dataclass(frozen=True)
class PlanCase:
    """One planned operation of a planner test."""

    test: str
    supergraph_sdl: str
    operation: str
    operation_name: str | None


def _recorder(found: list[PlanCase], test: list[str]) -> Callable[..., str]:
    original = helpers.plan_text

    def record(
        supergraph: Supergraph | str,
        operation: str,
        operation_name: str | None = None,
        labels: frozenset[str] = frozenset(),
    ) -> str:
        graph = load_supergraph(supergraph) if isinstance(supergraph, str) else supergraph
        if not labels:
            found.append(PlanCase(test[0], graph.sdl, operation, operation_name))
        return original(graph, operation, operation_name, labels)

    return record


def planner_test_cases() -> list[PlanCase]:
    """The (supergraph, operation) pairs of every planner test, in file and test order."""
    found: list[PlanCase] = []
    current = [""]
    record = _recorder(found, current)
    original = helpers.plan_text
    helpers.plan_text = record
    try:
        for path in sorted(HERE.glob("test_*.py")):
            if path.stem in _LEFT_OUT:
                continue
            module = importlib.import_module(f"tests.planning.{path.stem}")
            saved = getattr(module, "plan_text", None)
            if saved is not None:
                module.plan_text = record
            try:
                _run_tests(module, current)
            finally:
                if saved is not None:
                    module.plan_text = saved
    finally:
        helpers.plan_text = original
    unique: dict[tuple[str, str], PlanCase] = {}
    for case in found:
        unique.setdefault((case.supergraph_sdl, case.operation), case)
    return list(unique.values())


def _run_tests(module: Any, current: list[str]) -> None:
    for name, function in vars(module).items():
        if not name.startswith("test_") or not callable(function):
            continue
        if inspect.signature(function).parameters or inspect.iscoroutinefunction(function):
            continue
        current[0] = f"{module.__name__.rsplit('.', 1)[-1]}::{name}"
        with contextlib.suppress(Exception, pytest.fail.Exception, pytest.skip.Exception):
            function()
