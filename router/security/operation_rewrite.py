"""Helpers for rewriting an operation document after selections were removed: ``@skip`` /
``@include`` evaluation (GraphQL spec section 3.13), list depth for response paths, and
rebuilding a valid document (only fragments still spread, only variables still used, as the
NoUnusedFragments and NoUnusedVariables rules of section 5 require).
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    Node,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor

__all__ = ["is_excluded", "list_depth", "rebuild_document"]


def _condition(selection: SelectionNode, name: str, variables: Mapping[str, Any]) -> bool | None:
    for directive in selection.directives or ():
        if directive.name.value != name:
            continue
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value = argument.value
            if isinstance(value, BooleanValueNode):
                return value.value
            if isinstance(value, VariableNode):
                found = variables.get(value.name.value)
                return found if isinstance(found, bool) else None
    return None


def is_excluded(selection: SelectionNode, variables: Mapping[str, Any]) -> bool:
    """``@skip(if: true)`` or ``@include(if: false)``, with variables substituted."""
    return (
        _condition(selection, "skip", variables) is True
        or _condition(selection, "include", variables) is False
    )


def list_depth(type_: GraphQLOutputType) -> int:
    """How many list levels wrap the named type (``[[User!]]!`` -> 2)."""
    depth = 0
    current: Any = type_
    while isinstance(current, GraphQLNonNull | GraphQLList):
        depth += isinstance(current, GraphQLList)
        current = current.of_type
    return depth


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fragments: set[str] = set()
        self.variables: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.fragments.add(node.name.value)

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.variables.add(node.name.value)


def _references(node: Node) -> _Spreads:
    found = _Spreads()
    visit(node, found)
    return found


def rebuild_document(
    operation: OperationDefinitionNode,
    bodies: Mapping[str, SelectionSetNode],
    originals: Mapping[str, FragmentDefinitionNode],
) -> DocumentNode:
    """The operation plus the fragments it still spreads (transitively), with filtered bodies."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    used_variables: set[str] = set()
    pending = [operation.selection_set]
    while pending:
        references = _references(pending.pop())
        used_variables |= references.variables
        for name in sorted(references.fragments - fragments.keys()):
            if name not in originals:
                continue
            definition = copy(originals[name])
            definition.selection_set = bodies.get(name, definition.selection_set)
            fragments[name] = definition
            pending.append(definition.selection_set)
    for directive in operation.directives or ():
        used_variables |= _references(directive).variables
    rewritten = copy(operation)
    rewritten.variable_definitions = tuple(
        d for d in operation.variable_definitions or () if d.variable.name.value in used_variables
    )
    return DocumentNode(definitions=(rewritten, *fragments.values()))
