"""Introspection (spec "Schema Introspection") answered by graphql-core from the API schema.

Only the root ``__schema`` / ``__type`` fields are executed: the operation is rewritten to keep
those root fields (through root-level fragments), so graphql-core never resolves a federated field.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
)

from router.request import graphql_error

__all__ = ["execute_introspection"]

_KEEP = frozenset({"__schema", "__type", "__typename"})


_Node = TypeVar("_Node", InlineFragmentNode, OperationDefinitionNode, FragmentDefinitionNode)


def _with(node: _Node, selection_set: SelectionSetNode) -> _Node:
    """A shallow copy of ``node`` with another selection set (AST nodes are not dataclasses)."""
    new = copy(node)
    new.selection_set = selection_set
    return new


def _filter(selection_set: SelectionSetNode) -> SelectionSetNode:
    kept: list[Any] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in _KEEP:
                kept.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            kept.append(_with(selection, _filter(selection.selection_set)))
        else:
            kept.append(selection)
    return SelectionSetNode(selections=tuple(kept))


def _root_document(document: DocumentNode, operation: OperationDefinitionNode) -> DocumentNode:
    root_fragments = _root_fragment_names(document, operation)
    definitions: list[Any] = []
    for definition in document.definitions:
        if definition is operation:
            definitions.append(_with(operation, _filter(operation.selection_set)))
        elif isinstance(definition, FragmentDefinitionNode):
            if definition.name.value in root_fragments:
                selection_set = _filter(definition.selection_set)
                definitions.append(_with(definition, selection_set))
            else:
                definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))


def _root_fragment_names(document: DocumentNode, operation: OperationDefinitionNode) -> set[str]:
    """Fragments spread (directly or through inline fragments) at the operation's root."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names: set[str] = set()
    stack = [operation.selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in names and name in fragments:
                    names.add(name)
                    stack.append(fragments[name].selection_set)
    return names


def execute_introspection(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The introspection root fields' values and errors (graphql-core, synchronously)."""
    result = execute(
        schema,
        _root_document(document, operation),
        operation_name=operation.name.value if operation.name else None,
        variable_values=dict(variables),
    )
    if not isinstance(result, ExecutionResult):
        raise TypeError("introspection must execute synchronously")
    errors = [
        graphql_error(e.message, "INTERNAL_SERVER_ERROR", path=e.path) for e in result.errors or ()
    ]
    return result.data or {}, errors
