"""``@fromContext`` arguments (Federation 2.8, join v0.5 ``contextArguments``).

Apollo's query planner semantics (``@apollo/query-graphs`` ``canSatisfyConditions``,
``@apollo/query-planner`` ``computeGroupsForTree``):

- the context of an argument is the nearest enclosing object on the response path whose type
  sets ``@context(name:)`` (or implements an interface / is a member of a union that does);
- the context's selection is fetched at that object (with ``__typename``), like a
  ``@requires`` input of the enclosing position;
- the field is resolved in an ``_entities`` fetch that runs after the fetches delivering the
  context (a new fetch to the same subgraph when the current one would have to deliver it);
- the argument becomes the variable ``$contextualArgument_<n>_<i>`` (``n``: the subgraph's
  1-based position in ``join__Graph``, ``i``: the argument's position among the sorted
  ``Type.field(arg:)`` coordinates of that subgraph), declared with the argument's subgraph
  type, and the fetch carries ``contextRewrites``: ``KeyRenamer`` paths relative to each
  entity (``..`` = one field up) to the context values, ``... on T`` per runtime type.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from graphql import FieldNode, GraphQLError, InlineFragmentNode, SelectionSetNode, parse
from graphql.language import OperationDefinitionNode

from router.planning.context import Context
from router.planning.errors import PlanningError
from router.planning.groups import FetchGroup
from router.planning.internal import internal_selections
from router.planning.normalize import NField
from router.planning.plan import KeyRenamer
from router.supergraph import ContextArgument, FieldInGraph, Supergraph

if TYPE_CHECKING:
    from router.planning.walk import Walker

__all__ = ["contextual_field", "variable_name"]


@lru_cache(maxsize=64)
def _variable_names(supergraph: Supergraph) -> dict[tuple[str, str], str]:
    """``(graph, "Type.field(arg:)")`` -> ``contextualArgument_<n>_<i>`` (Apollo's numbering)."""
    names: dict[tuple[str, str], str] = {}
    for position, graph in enumerate(supergraph.graph_names, start=1):
        coordinates = sorted(
            f"{typedef.name}.{fielddef.name}({argument.name}:)"
            for typedef in supergraph.types.values()
            for fielddef in typedef.fields.values()
            for entry in fielddef.graphs
            if entry.graph == graph
            for argument in entry.context_arguments
        )
        for index, coordinate in enumerate(coordinates):
            names[(graph, coordinate)] = f"contextualArgument_{position}_{index}"
    return names


def variable_name(
    supergraph: Supergraph, graph: str, type_name: str, field: str, argument: str
) -> str:
    """The variable carrying ``type_name.field(argument:)``'s context value into ``graph``."""
    return _variable_names(supergraph)[(graph, f"{type_name}.{field}({argument}:)")]


@lru_cache(maxsize=256)
def _selection(text: str) -> SelectionSetNode:
    """The context's selection (``{ currency }`` or ``... on A { x } ... on B { y }``)."""
    source = text.strip()
    try:
        document = parse(source if source.startswith("{") else "{" + source + "}", no_location=True)
    except GraphQLError as error:
        raise PlanningError(f"invalid @fromContext selection {text!r}: {error.message}") from error
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def _sets_context(supergraph: Supergraph, type_name: str, context: str) -> bool:
    """Whether an object of ``type_name`` is a ``context`` (Apollo: the type itself, one of its
    interfaces, or a union it belongs to carries ``@context``)."""
    for typedef in supergraph.types.values():
        if context not in typedef.contexts:
            continue
        if typedef.name == type_name or supergraph.is_subtype(typedef.name, type_name):
            return True
    return False


def _renamers(
    supergraph: Supergraph,
    selection: SelectionSetNode,
    path: tuple[str, ...],
    *,
    aliases: dict[str, str],
    variable: str,
    parent_type: str,
) -> list[KeyRenamer]:
    """Apollo's ``selectionSetAsKeyRenamers``: one renamer per leaf of the selection; a field
    right after ``..`` is reached through ``... on T`` for each runtime type ``T`` of the
    context object (not for a root type), a fragment through its own type condition."""
    found: list[KeyRenamer] = []
    roots = (supergraph.query_type, supergraph.mutation_type)
    for node in selection.selections:
        if isinstance(node, FieldNode):
            if path and path[-1] == ".." and parent_type not in roots:
                for runtime in supergraph.possible_types(parent_type):
                    found.extend(
                        _renamers(
                            supergraph,
                            selection,
                            (*path, f"... on {runtime}"),
                            aliases=aliases,
                            variable=variable,
                            parent_type=runtime,
                        )
                    )
                continue
            key = next((a for a, n in aliases.items() if n == node.name.value), node.name.value)
            if node.selection_set is None:
                found.append(KeyRenamer((*path, key), variable))
            else:
                child = supergraph.types[parent_type].fields[node.name.value].named_type
                found.extend(
                    _renamers(
                        supergraph,
                        node.selection_set,
                        (*path, key),
                        aliases={},
                        variable=variable,
                        parent_type=child,
                    )
                )
        elif isinstance(node, InlineFragmentNode) and node.type_condition is not None:
            condition = node.type_condition.name.value
            found.extend(
                _renamers(
                    supergraph,
                    node.selection_set,
                    (*path, f"... on {condition}"),
                    aliases=aliases,
                    variable=variable,
                    parent_type=condition,
                )
            )
    return list(dict.fromkeys(found))


def _fetched_in(ctx: Context, group: FetchGroup) -> int:
    """How many fields of the response path above ``ctx`` the fetch ``group`` selects."""
    return sum(1 for parent, _ in ctx.ancestors if parent.group is group)


def contextual_field(
    walker: Walker, ctx: Context, item: NField, entry: FieldInGraph
) -> tuple[Context, NField] | None:
    """Prepare ``item`` (a field with contextual arguments) at ``ctx``.

    Fetches each context's selection at its enclosing object, then either returns the context
    and the field with its ``$contextualArgument_…`` arguments (the fetch now carries the
    rewrites and depends on the fetches delivering the values), or ``None`` when the field must
    move to a new ``_entities`` fetch of the same subgraph (the current fetch would deliver a
    context value itself, or the context lies inside it).
    """
    supergraph = walker.supergraph
    group = ctx.group
    sources: list[FetchGroup] = []
    plans: list[tuple[ContextArgument, int, SelectionSetNode, dict[str, str], Context]] = []
    for argument in entry.context_arguments:
        index = next(
            (
                i
                for i in range(len(ctx.ancestors) - 1, -1, -1)
                if _sets_context(supergraph, ctx.ancestors[i][0].type_name, argument.context)
            ),
            None,
        )
        if index is None:
            raise PlanningError(
                f"{ctx.type_name}.{item.name}: no enclosing object sets the context "
                f"{argument.context!r} its argument {argument.name!r} reads"
            )
        holder = ctx.ancestors[index][0]
        selection = _selection(argument.selection)
        selections, aliases = internal_selections(selection, holder.siblings)
        holder.buf.add_typename()
        sources.extend(g for g in walker.place(holder, selections) if g not in sources)
        plans.append((argument, index, selection, aliases, holder))
    levels_above = [len(ctx.ancestors) - index for _, index, _, _, _ in plans]
    inside = _fetched_in(ctx, group)
    if group in sources or not group.is_entity or any(n - inside <= 0 for n in levels_above):
        if supergraph.types[ctx.type_name].kind != "OBJECT":
            raise PlanningError(
                f"{ctx.type_name}.{item.name} takes @fromContext arguments on an abstract type "
                "this router cannot re-enter"
            )
        return None
    group.depend_on(sources)
    arguments = [item.arguments] if item.arguments else []
    used = list(item.variables)
    for (argument, _, selection, aliases, holder), levels in zip(plans, levels_above, strict=True):
        variable = variable_name(supergraph, group.service, ctx.type_name, item.name, argument.name)
        group.context_variables.setdefault(variable, argument.type)
        up = ("..",) * (levels - inside)
        for renamer in _renamers(
            supergraph,
            selection,
            up,
            aliases=aliases,
            variable=variable,
            parent_type=holder.type_name,
        ):
            if renamer not in group.context_rewrites:
                group.context_rewrites.append(renamer)
        arguments.append(f"{argument.name}: ${variable}")
        used.append(variable)
    return ctx, replace(item, arguments=", ".join(arguments), variables=tuple(used))
