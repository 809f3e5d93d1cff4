"""Helpers for planner tests: fixture supergraphs and whole printed plans."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from textwrap import dedent

from graphql import parse, validate

from router.planning import plan_operation, print_plan
from router.planning.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from router.supergraph import Supergraph, load_supergraph
from tests.planning.subgraph_schemas import subgraph_schema

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
    check_fetch_operations(supergraph, plan)
    return print_plan(plan)


def fetches(node: PlanNode | None) -> list[FetchNode]:
    """Every fetch of a plan, in plan order."""
    match node:
        case FetchNode():
            return [node]
        case FlattenNode(node=inner):
            return [inner]
        case SequenceNode(nodes=nodes) | ParallelNode(nodes=nodes):
            return [fetch for child in nodes for fetch in fetches(child)]
        case ConditionNode(if_clause=then, else_clause=otherwise):
            return fetches(then) + fetches(otherwise)
        case DeferNode(primary=primary, deferred=deferred):
            return fetches(primary.node) + [f for block in deferred for f in fetches(block.node)]
    return []


def check_fetch_operations(supergraph: Supergraph, plan: QueryPlan) -> None:
    """Every fetch operation validates against its subgraph's schema (rebuilt from the
    supergraph: the subgraph's own field types, members and ``_entities``)."""
    for fetch in fetches(plan.node):
        document = parse(fetch.operation)
        errors = validate(subgraph_schema(supergraph, fetch.service_name), document)
        if errors:
            raise AssertionError(f"invalid fetch operation {fetch.operation}: {errors}")


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
