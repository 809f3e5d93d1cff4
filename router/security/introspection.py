"""Introspection switched off (production default): an operation selecting ``__schema`` or
``__type`` anywhere (through fragments too) is refused before execution, as Apollo Router does
with ``supergraph.introspection: false``; ``__typename`` stays allowed (clients need it).
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from router.limits.operation import fragment_definitions, select_operation
from router.request import GraphQLResponse

__all__ = ["INTROSPECTION_DISABLED", "check_introspection", "uses_introspection"]

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def uses_introspection(document: DocumentNode, operation_name: str | None = None) -> bool:
    operation = select_operation(document, operation_name)
    if operation is None:
        return False
    fragments = fragment_definitions(document)
    seen: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in _INTROSPECTION_FIELDS:
                    return True
                if selection.selection_set:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return False


def check_introspection(
    document: DocumentNode, operation_name: str | None, *, enabled: bool
) -> GraphQLResponse | None:
    """None when the operation may run, else the request error (no ``data``: 400 under
    ``application/graphql-response+json``, 200 under ``application/json``)."""
    if enabled or not uses_introspection(document, operation_name):
        return None
    return GraphQLResponse.request_error(
        "GraphQL introspection is not allowed, but the query contained __schema or __type",
        INTROSPECTION_DISABLED,
    )
