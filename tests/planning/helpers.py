"""Helpers for planner tests: fixture supergraphs and whole printed plans."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from textwrap import dedent

from graphql import parse, validate

from router.planning import plan_operation, print_plan
from router.supergraph import Supergraph, load_supergraph

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def fixture(name: str) -> Supergraph:
    """A committed supergraph (``fixtures/NAME.graphql``)."""
    return load_supergraph((FIXTURES / f"{name}.graphql").read_text())


def plan_text(
    supergraph: Supergraph | str,
    operation: str,
    operation_name: str | None = None,
    labels: frozenset[str] = frozenset(),
) -> str:
    """Validate ``operation`` against the API schema, plan it and print the plan."""
    if isinstance(supergraph, str):
        supergraph = load_supergraph(supergraph)
    document = parse(operation)
    errors = validate(supergraph.api_schema, document)
    if errors:
        raise AssertionError(f"invalid test operation: {errors}")
    plan = plan_operation(supergraph, document, operation_name, override_labels=labels)
    return print_plan(plan)


def assert_plan(
    supergraph: Supergraph | str,
    operation: str,
    expected: str,
    labels: frozenset[str] = frozenset(),
) -> None:
    """Compare the whole printed plan with ``expected`` (indentation of the literal removed)."""
    if isinstance(supergraph, str) and "\n" not in supergraph:
        supergraph = fixture(supergraph)
    assert plan_text(supergraph, operation, labels=labels) == dedent(expected).strip()
