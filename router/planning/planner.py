"""``plan_operation``: the planner as a chain of pure stages.

normalize (operation -> normalized selections) -> walk (selections -> fetch groups, entity jumps,
``@requires``/``@provides``/override) -> build (groups -> Sequence/Parallel/Flatten/Condition
tree with each fetch's exact subgraph operation). Same input, same plan.
"""

from __future__ import annotations

from graphql import DocumentNode

from router.planning.build import build_plan
from router.planning.capabilities import Capabilities
from router.planning.defer import has_defer, plan_with_defers
from router.planning.fetches import fetch_node
from router.planning.groups import FetchGroup
from router.planning.merge_fetches import merge_sibling_fetches
from router.planning.normalize import normalize_operation
from router.planning.plan import FetchNode, QueryPlan
from router.planning.roots import plan_roots
from router.planning.walk import Walker
from router.supergraph import Supergraph

__all__ = ["plan_operation"]


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    *,
    override_labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """Plan a parsed, validated operation; ``override_labels`` enable progressive overrides."""
    operation = normalize_operation(document, operation_name)
    if has_defer(operation.selections):
        return QueryPlan(plan_with_defers(supergraph, operation, override_labels))
    walker = Walker(Capabilities(supergraph, override_labels))
    roots = plan_roots(walker, operation)
    numbers: dict[int, int] = {}

    def make_fetch(group: FetchGroup) -> FetchNode:
        number = numbers.setdefault(group.index, len(numbers))
        return fetch_node(group, operation, number)

    merge_sibling_fetches(walker.registry.groups)
    serial = operation.kind == "mutation"
    return QueryPlan(build_plan(walker.registry.groups, roots, serial, make_fetch))
