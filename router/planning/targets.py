"""Choosing where a field goes when the current subgraph cannot resolve it.

An entity jump needs a subgraph resolving the field and a ``@key`` (``resolvable: true``) of the
entity there whose fields the current subgraph can select (else one more hop fetches them).
``@interfaceObject`` subgraphs count for the interface's implementations. Among candidates, the
planner takes the fewest estimated fetches (:mod:`cost`): reusing a fetch already going there is
free, a key the parent cannot select costs extra; ties go to ``join__Graph`` order.
"""

from __future__ import annotations

from graphql import FieldNode, SelectionSetNode

from router.planning.capabilities import Capabilities, Provided
from router.planning.context import Context
from router.planning.cost import CostModel
from router.planning.groups import FetchGroup, GroupRegistry
from router.planning.normalize import NField
from router.supergraph import Key

__all__ = ["candidates", "choose_target", "locally_selectable", "obtainable", "pick_key"]

_MAX_HOPS = 3
"""Entity hops tried to gather the fields of a key the parent cannot select itself."""


def candidates(capabilities: Capabilities, type_name: str, field: str) -> list[tuple[str, str]]:
    """(subgraph, entity type) pairs that could resolve ``type_name.field`` by a jump."""
    supergraph = capabilities.supergraph
    found = [
        (graph, type_name)
        for graph in capabilities.graphs_resolving(type_name, field)
        if capabilities.keys(type_name, graph)
    ]
    if supergraph.types[type_name].kind == "OBJECT":
        for graph in supergraph.graph_names:
            for interface in capabilities.interface_objects(type_name, graph):
                if capabilities.resolvable(interface, field, graph, None) and capabilities.keys(
                    interface, graph
                ):
                    found.append((graph, interface))
    return found


def locally_selectable(
    capabilities: Capabilities, service: str, type_name: str, selection: SelectionSetNode
) -> bool:
    """Whether ``service`` can select the field set ``selection`` on ``type_name`` itself."""
    types = capabilities.supergraph.types
    for node in selection.selections:
        if not isinstance(node, FieldNode):
            return False
        name = node.name.value
        fielddef = types[type_name].fields.get(name)
        if fielddef is None or not capabilities.resolvable(type_name, name, service, None):
            return False
        if node.selection_set and not locally_selectable(
            capabilities, service, fielddef.named_type, node.selection_set
        ):
            return False
    return True


def pick_key(
    capabilities: Capabilities, ctx: Context, graph: str, entity_type: str, *, remote_ok: bool
) -> tuple[Key | None, bool]:
    """A resolvable key of ``entity_type`` in ``graph`` and whether the parent can select it;
    keys the parent cannot select are used only when ``remote_ok``."""
    keys = capabilities.keys(entity_type, graph)
    for key in keys:
        if locally_selectable(capabilities, ctx.group.service, ctx.type_name, key.selection):
            return key, True
    if remote_ok:
        for key in keys:
            # at an entity's top its representation (key fields) came from a fetch before
            if ctx.at_entity_top or obtainable(
                capabilities, ctx.group.service, entity_type, key.selection, ctx.provided
            ):
                return key, False
    return None, False


def obtainable(
    capabilities: Capabilities,
    service: str,
    type_name: str,
    selection: SelectionSetNode,
    provided: Provided | None = None,
    *,
    depth: int = 0,
) -> bool:
    """Whether a key's fields can be gathered from ``service``: selected there, or fetched
    through a key of another subgraph that is itself obtainable (a bounded number of hops).

    A key whose fields no fetch can deliver (``@external`` everywhere reachable, e.g. an
    implementation's ``id`` in a subgraph that only ``@provides`` a sibling field) is no way
    in: the field must then be re-fetched from an enclosing entity instead.
    """
    if depth > _MAX_HOPS:
        return False
    types = capabilities.supergraph.types
    for node in selection.selections:
        if not isinstance(node, FieldNode):
            return False
        name = node.name.value
        fielddef = types[type_name].fields.get(name)
        if fielddef is None:
            return False
        if capabilities.resolvable(type_name, name, service, provided):
            sub = provided.get(name) if provided else None
            if node.selection_set and not obtainable(
                capabilities, service, fielddef.named_type, node.selection_set, sub, depth=depth
            ):
                return False
            continue
        if not any(
            _reachable(capabilities, service, type_name, graph, provided, depth=depth)
            for graph in capabilities.graphs_resolving(type_name, name)
            if graph != service
        ):
            return False
    return True


def choose_target(
    capabilities: Capabilities,
    costs: CostModel,
    registry: GroupRegistry,
    ctx: Context,
    item: NField,
    *,
    remote_ok: bool,
    feeding: tuple[FetchGroup, ...] = (),
) -> tuple[str, str] | None:
    """The cheapest (subgraph, entity type) to resolve ``item`` from, or ``None``.

    A subgraph whose fetch at this path is waiting for the very representation being selected
    (``feeding``) cannot deliver it: it is skipped, so the next cheapest one is used.
    """
    supergraph = capabilities.supergraph
    order = supergraph.graph_names
    named_type = supergraph.types[ctx.type_name].fields[item.name].named_type
    scored: list[tuple[int, int, str, str]] = []
    for graph, entity_type in candidates(capabilities, ctx.type_name, item.name):
        if graph == ctx.group.service and entity_type == ctx.type_name:
            continue
        key, local = pick_key(capabilities, ctx, graph, entity_type, remote_ok=remote_ok)
        if key is None:
            continue
        found = registry.existing_entity(ctx.group, graph, ctx.path)
        if found is not None and any(found is group for group in feeding):
            continue
        existing = found is not None
        score = (0 if existing else 1) + (0 if local else 2)
        score += costs.cost(graph, named_type, item.selections)
        scored.append((score, order.index(graph), graph, entity_type))
    if not scored:
        return None
    best = min(scored)
    return best[2], best[3]


def _reachable(
    capabilities: Capabilities,
    service: str,
    type_name: str,
    graph: str,
    provided: Provided | None,
    *,
    depth: int,
) -> bool:
    """Whether ``graph`` can be asked for fields of ``type_name`` from ``service``: through an
    obtainable key, or (a value type there) by re-fetching the path from an enclosing object."""
    keys = capabilities.keys(type_name, graph)
    if not keys:
        return True
    return any(
        obtainable(capabilities, service, type_name, key.selection, provided, depth=depth + 1)
        for key in keys
    )
