"""Re-entering a path from an enclosing entity or from the root.

A field of a *value type* (no ``@key``) that the current subgraph cannot resolve cannot be
reached by an entity jump on that object. Federation still allows it when another subgraph
resolves the whole path from an enclosing object: from an enclosing entity (an ``_entities``
fetch selecting the path down to the field: "parent entity call") or, for queries, from the root
(a shareable root field fetched again from that subgraph: "shared root"). The nearest enclosing
object that works is used; the path keeps the client's response keys, so the answers merge.
A path from the root through an interface- or union-typed field is never re-entered: the other
subgraph may answer with a different object there (a ``node(id:)`` resolved to another type), so
the merge would mix two objects. Below an entity, the entity's field is the same list in every
subgraph sharing it (``@shareable``), as Apollo's planner assumes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from router.planning.context import Context
from router.planning.groups import FetchGroup
from router.planning.normalize import NField, NFragment, NSelection

if TYPE_CHECKING:
    from router.planning.walk import Walker

__all__ = ["reenter"]


def _nested(chain: list[tuple[Context, NField]], ctx: Context, item: NField) -> NSelection:
    """``field { ... on T { item } }`` from the anchor level down to ``item``."""
    selection: NSelection = NFragment(ctx.type_name, "", (), (item,))
    for parent, field in reversed(chain):
        selection = NFragment(parent.type_name, "", (), (replace(field, selections=(selection,)),))
    return selection


def _path_resolvable(
    walker: Walker, chain: list[tuple[Context, NField]], ctx: Context, item: NField, graph: str
) -> bool:
    capabilities = walker.capabilities
    if not capabilities.resolvable(ctx.type_name, item.name, graph, None):
        return False
    if chain[0][0].type_name == walker.supergraph.query_type and any(
        _abstract_field(walker, parent, field) for parent, field in chain
    ):
        # another subgraph's answer for an interface/union root field may be another object
        return False
    return all(
        capabilities.resolvable(parent.type_name, field.name, graph, None)
        for parent, field in chain
    )


def _abstract_field(walker: Walker, parent: Context, field: NField) -> bool:
    fielddef = walker.supergraph.types[parent.type_name].fields[field.name]
    return walker.supergraph.is_abstract(fielddef.type.strip("[]!"))


def _from_root(walker: Walker, anchor: Context, graph: str) -> Context | None:
    supergraph = walker.supergraph
    if walker.serial or anchor.group.is_entity or anchor.type_name != supergraph.query_type:
        return None
    group = walker.root_group(graph)
    return Context(group, group.selection, anchor.type_name, (), None, anchor.conditions)


def _from_entity(walker: Walker, anchor: Context, graph: str) -> Context | None:
    typedef = walker.supergraph.types[anchor.type_name]
    if typedef.kind != "OBJECT" or not walker.capabilities.keys(anchor.type_name, graph):
        return None
    key, _ = walker.pick_key(anchor, graph, anchor.type_name)
    if key is None:
        return None
    return walker.entity_context(anchor, graph, anchor.type_name)


def reenter(
    walker: Walker, ctx: Context, item: NField, *, root_only: bool = False
) -> list[FetchGroup] | None:
    """Resolve ``item`` by re-fetching its path from the nearest workable enclosing object.

    ``root_only`` considers only the root (a parallel fetch instead of a sequential jump),
    preferring subgraphs that already have a root fetch.
    """
    ancestors = list(ctx.ancestors)
    levels = [0] if root_only and ancestors else range(len(ancestors) - 1, -1, -1)
    for level in levels:
        anchor = ancestors[level][0]
        chain = ancestors[level:]
        graphs = list(walker.supergraph.graph_names)
        if root_only:
            if walker.serial or anchor.group.is_entity:
                return None
            used = [g.service for g in walker.roots]
            graphs.sort(key=lambda graph: graph not in used)
        for graph in graphs:
            if graph == ctx.group.service or not _path_resolvable(walker, chain, ctx, item, graph):
                continue
            inner = _from_root(walker, anchor, graph) or _from_entity(walker, anchor, graph)
            if inner is None:
                continue
            inner.group.narrow_conditions(ctx.conditions | item.conditions)
            return walker.place(inner, (_nested(chain, ctx, item),))
    return None
