"""One router operation per execution step, assembled from parsed pieces (no string building).

A piece is a parsed operation with one root field (:mod:`bff.specs`). A step aliases each piece's
root field (``e0: productsByUpc(upcs: $e0_keys)``), prefixes its variables with the alias so two
pieces never collide, and merges their variable definitions into one ``query BffStep``
(GraphQL spec, "Field Alias" and "Variables": response names and variable names are the only
things renamed, so the piece is still what ``schema check`` validated). The printed text of a
combination of pieces is memoized: the same screen sends the same text every time, which the
router's document cache and APQ reuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)

from bff.specs import root_field_of

__all__ = ["STEP_OPERATION_NAME", "StepPiece", "step_document"]

STEP_OPERATION_NAME = "BffStep"

StepPiece = tuple[str, OperationDefinitionNode]
"""``(alias, piece operation)``: the alias also prefixes the piece's variables (``e0_keys``)."""


class _PrefixVariables(Visitor):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def enter_variable(self, node: VariableNode, *_: object) -> VariableNode:
        return VariableNode(name=NameNode(value=self.prefix + node.name.value))


def _aliased(alias: str, operation: OperationDefinitionNode) -> OperationDefinitionNode:
    renamed: OperationDefinitionNode = visit(operation, _PrefixVariables(f"{alias}_"))
    root = root_field_of(renamed)
    field = FieldNode(
        alias=NameNode(value=alias),
        name=root.name,
        arguments=root.arguments,
        directives=root.directives,
        selection_set=root.selection_set,
    )
    return OperationDefinitionNode(
        operation=OperationType.QUERY,
        variable_definitions=renamed.variable_definitions,
        selection_set=SelectionSetNode(selections=(field,)),
    )


class _Identity:
    """Hashes a syntax tree by identity (pieces are module-level constants, never rebuilt)."""

    __slots__ = ("node",)

    def __init__(self, node: OperationDefinitionNode) -> None:
        self.node = node

    def __hash__(self) -> int:
        return id(self.node)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.node is self.node


@lru_cache(maxsize=256)
def _printed(pieces: tuple[tuple[str, _Identity], ...]) -> str:
    fields: list[FieldNode] = []
    definitions: list[VariableDefinitionNode] = []
    for alias, piece in pieces:
        aliased = _aliased(alias, piece.node)
        fields.append(root_field_of(aliased))
        definitions.extend(aliased.variable_definitions or ())
    step = OperationDefinitionNode(
        operation=OperationType.QUERY,
        name=NameNode(value=STEP_OPERATION_NAME),
        variable_definitions=tuple(definitions),
        selection_set=SelectionSetNode(selections=tuple(fields)),
    )
    return print_ast(DocumentNode(definitions=(step,)))


def step_document(pieces: Sequence[StepPiece]) -> str:
    """The text of ``query BffStep`` selecting every piece under its alias."""
    return _printed(tuple((alias, _Identity(operation)) for alias, operation in pieces))
