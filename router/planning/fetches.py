"""Stage 3a: a filled fetch group -> a :class:`FetchNode` with its exact subgraph operation.

Root fetches are ``query``/``mutation`` operations on the subgraph's root type; entity fetches
are ``query($representations: [_Any!]!) { _entities(representations: $representations) { ... } }``
(the Apollo subgraph spec's entity resolution). Only the client variables a fetch uses are
declared, with the client's definitions (defaults included). Fetch operations are named
``<Operation>__<service>__<n>`` when the client operation is named, as Apollo's planner does.
"""

from __future__ import annotations

from typing import Literal

from graphql import print_ast

from router.planning.dealias import dealias
from router.planning.groups import FetchGroup
from router.planning.normalize import NormalizedOperation
from router.planning.plan import (
    FetchNode,
    RequiresField,
    RequiresInlineFragment,
    RequiresSelection,
)
from router.planning.selection import FieldEntry, SelectionBuffer

__all__ = ["fetch_node", "requires_shape"]


def requires_shape(buf: SelectionBuffer) -> tuple[RequiresSelection, ...]:
    """A representation buffer as plan data."""
    result: list[RequiresSelection] = []
    for entry in buf.entries.values():
        if isinstance(entry, FieldEntry):
            subs = requires_shape(entry.sub) if entry.sub is not None else ()
            result.append(RequiresField(entry.name, subs))
        elif not entry.sub.is_empty():
            result.append(
                RequiresInlineFragment(entry.type_condition or "", requires_shape(entry.sub))
            )
    return tuple(result)


_KINDS: dict[str, Literal["query", "mutation", "subscription"]] = {
    "mutation": "mutation",
    "subscription": "subscription",  # a subscription's root fetch (Apollo's operationKind)
}


def fetch_node(group: FetchGroup, operation: NormalizedOperation, number: int) -> FetchNode:
    """Render ``group`` (the ``number``-th fetch of the plan) as a fetch node."""
    renames = dealias(group.selection)
    variables = [v for v in group.selection.variables() if v in operation.variable_definitions]
    definitions = [print_ast(operation.variable_definitions[v]) for v in variables]
    for variable, type_ref in group.context_variables.items():  # @fromContext values
        variables.append(variable)
        definitions.append(f"${variable}: {type_ref}")
    kind = "query" if group.is_entity else operation.kind
    name = f"{operation.name}__{group.service}__{number}" if operation.name else None
    if group.is_entity:
        definitions.insert(0, "$representations: [_Any!]!")
        body = (
            "{\n  _entities(representations: $representations) " + group.selection.render(1) + "\n}"
        )
    else:
        body = group.selection.render(0)
    header = kind + (f" {name}" if name else "")
    if definitions:
        header += "(" + ", ".join(definitions) + ")"
    return FetchNode(
        service_name=group.service,
        operation=f"{header} {body}",
        operation_kind=_KINDS.get(kind, "query"),
        operation_name=name,
        variable_usages=tuple(variables),
        requires=requires_shape(group.requires) if group.is_entity else None,
        input_rewrites=tuple(group.input_rewrites),
        output_rewrites=(*group.output_rewrites, *renames),
        context_rewrites=tuple(group.context_rewrites),
    )
