"""Stage 2a: root fields -> root fetch groups.

Query root fields are grouped per subgraph (a shareable root field goes where it costs the
fewest extra fetches, counting a fetch other root fields need anyway as free; ties broken by
``join__Graph`` order); mutation root fields keep their order
(the spec executes them serially), consecutive fields of one subgraph sharing a fetch.
A subscription has one root field (GraphQL spec, "Single root field"): its root fetch is the
subgraph stream the router subscribes to, the rest of the plan runs per event
(:mod:`router.subscriptions`). Introspection fields (``__schema``, ``__type``) and a root ``__typename`` are answered by the
gateway and not planned.
"""

from __future__ import annotations

from router.planning.errors import PlanningError
from router.planning.groups import Conditions, FetchGroup
from router.planning.normalize import NField, NFragment, NormalizedOperation, NSelection
from router.planning.walk import Context, Walker

__all__ = ["plan_roots", "root_type"]

RootField = tuple[NField, tuple[NFragment, ...], Conditions]


def root_type(walker: Walker, kind: str) -> str:
    """The root type name of an operation kind."""
    supergraph = walker.capabilities.supergraph
    name = {
        "query": supergraph.query_type,
        "mutation": supergraph.mutation_type,
        "subscription": supergraph.subscription_type,
    }.get(kind)
    if name is None:
        raise PlanningError(f"the supergraph has no {kind} root type")
    return name


def _root_fields(
    selections: tuple[NSelection, ...],
    wrappers: tuple[NFragment, ...] = (),
    conditions: Conditions = frozenset(),
) -> list[RootField]:
    found: list[RootField] = []
    for selection in selections:
        if isinstance(selection, NFragment):
            inner = (*wrappers, selection) if selection.directives else wrappers
            found.extend(
                _root_fields(selection.selections, inner, conditions | selection.conditions)
            )
        elif not selection.name.startswith("__"):
            found.append((selection, wrappers, conditions | selection.conditions))
    return found


def _choose(walker: Walker, root: str, item: NField, used: set[str]) -> str:
    capabilities = walker.capabilities
    candidates = capabilities.graphs_resolving(root, item.name)
    if not candidates:
        raise PlanningError(f"no subgraph resolves {root}.{item.name}")
    order = capabilities.supergraph.graph_names
    costs = walker.costs
    scored = []
    for graph in candidates:
        below = costs.cost(graph, root, (item,))
        scored.append(((0 if graph in used else 1) + below, below, order.index(graph), graph))
    return min(scored)[3]


def plan_roots(walker: Walker, operation: NormalizedOperation) -> list[FetchGroup]:
    """Place every root field; the root groups in execution order."""
    root = root_type(walker, operation.kind)
    serial = operation.kind == "mutation"
    walker.serial = serial
    roots = walker.roots
    fields = _root_fields(operation.selections)
    # subgraphs some root field can only come from: shareable fields join those fetches
    forced = {
        only[0]
        for item, _, _ in fields
        if len(only := walker.capabilities.graphs_resolving(root, item.name)) == 1
    }
    for item, wrappers, conditions in fields:
        if serial:
            service = _choose(walker, root, item, {roots[-1].service} if roots else set())
            group = walker.registry.root(service, reuse=roots[-1] if roots else None)
            if group not in roots:
                roots.append(group)
        else:
            service = _choose(walker, root, item, forced | {g.service for g in roots})
            group = walker.root_group(service)
        buf = group.selection
        for wrapper in wrappers:
            buf = buf.fragment(None, wrapper.directives, wrapper.variables)
        walker.place_field(Context(group, buf, root, (), None, conditions), item)
        group.narrow_conditions(conditions)
    return roots
