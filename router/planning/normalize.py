"""Stage 1: the client operation -> a normalized selection tree.

Implements the parts of the spec's *CollectFields* the planner can do statically: fragment spreads
are inlined (named fragments become inline fragments on their type condition), ``@skip(if: true)``
and ``@include(if: false)`` literals prune their selection, literal ``@skip(if: false)`` /
``@include(if: true)`` are dropped, and fields with the same response key and directives merge.
``@skip``/``@include`` with a variable are kept for the fetches and for condition nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
)

from router.planning.defer_directive import DEFER, DeferMark, defer_mark
from router.planning.errors import PlanningError

__all__ = [
    "NField",
    "NFragment",
    "NSelection",
    "NormalizedOperation",
    "conditions_of",
    "field_set_selections",
    "normalize_operation",
]


@dataclass(frozen=True, slots=True)
class NField:
    """A field with its response key, printed arguments and kept directives."""

    response_key: str
    name: str
    alias: str | None
    arguments: str
    directives: str
    variables: tuple[str, ...]
    selections: tuple[NSelection, ...] | None
    conditions: frozenset[tuple[str, bool]] = frozenset()

    @property
    def signature(self) -> tuple[str, str]:
        return (self.response_key, self.directives)


@dataclass(frozen=True, slots=True)
class NFragment:
    """An inline fragment; ``type_condition`` ``None`` means the enclosing type."""

    type_condition: str | None
    directives: str
    variables: tuple[str, ...]
    selections: tuple[NSelection, ...]
    conditions: frozenset[tuple[str, bool]] = frozenset()
    defer: DeferMark | None = None
    """``@defer`` on this fragment (not part of ``directives``: never sent to subgraphs)."""


NSelection = NField | NFragment


@dataclass(frozen=True, slots=True)
class NormalizedOperation:
    """The operation to plan: kind, name, variable definitions and the root selections."""

    kind: str
    name: str | None
    variable_definitions: dict[str, VariableDefinitionNode]
    selections: tuple[NSelection, ...]


def _literal_condition(directive: DirectiveNode) -> bool | None:
    arg = next((a for a in directive.arguments or () if a.name.value == "if"), None)
    if arg is not None and isinstance(arg.value, BooleanValueNode):
        return arg.value.value
    return None


def _variables(node: object) -> tuple[str, ...]:
    names: list[str] = []

    def visit(value: object) -> None:
        if isinstance(value, VariableNode):
            names.append(value.name.value)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif hasattr(value, "keys"):
            for key in value.keys:  # graphql-core AST node attributes
                if key != "loc":
                    visit(getattr(value, key, None))

    visit(node)
    return tuple(dict.fromkeys(names))


def _kept_directives(
    directives: tuple[DirectiveNode, ...] | list[DirectiveNode],
) -> tuple[DirectiveNode, ...] | None:
    """The directives to keep, or ``None`` when a literal condition excludes the selection."""
    kept: list[DirectiveNode] = []
    for directive in directives:
        name = directive.name.value
        if name in ("skip", "include"):
            literal = _literal_condition(directive)
            if literal is not None:
                if literal == (name == "skip"):
                    return None
                continue
        kept.append(directive)
    return tuple(kept)


def conditions_of(directives: tuple[DirectiveNode, ...]) -> frozenset[tuple[str, bool]]:
    """``@include(if: $v)`` -> ``(v, True)``, ``@skip(if: $v)`` -> ``(v, False)``."""
    result: set[tuple[str, bool]] = set()
    for directive in directives:
        name = directive.name.value
        arg = next((a for a in directive.arguments or () if a.name.value == "if"), None)
        if name in ("skip", "include") and arg is not None and isinstance(arg.value, VariableNode):
            result.add((arg.value.name.value, name == "include"))
    return frozenset(result)


class _Normalizer:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments

    def selections(
        self, node: SelectionSetNode | None, seen: frozenset[str]
    ) -> tuple[NSelection, ...]:
        result: list[NSelection] = []
        for selection in node.selections if node else ():
            directives = _kept_directives(selection.directives or ())
            if directives is None:
                continue
            defer: DeferMark | None = None
            if isinstance(selection, FieldNode):
                # @stream is the router's to deliver (router.execution.stream), never sent on
                directives = tuple(d for d in directives if d.name.value != "stream")
            else:
                defers = [d for d in directives if d.name.value == DEFER]
                directives = tuple(d for d in directives if d.name.value != DEFER)
                defer = defer_mark(defers[0]) if defers else None
            printed = " ".join(print_ast(d) for d in directives)
            variables = _variables(directives)
            conditions = conditions_of(directives)
            if isinstance(selection, FieldNode):
                result.append(self.field(selection, printed, variables, seen, conditions))
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                subs = self.selections(selection.selection_set, seen)
                result.append(NFragment(condition, printed, variables, subs, conditions, defer))
            elif isinstance(selection, FragmentSpreadNode):
                spread = self.spread(selection.name.value, printed, variables, seen)
                result.append(
                    NFragment(
                        spread.type_condition,
                        printed,
                        variables,
                        spread.selections,
                        conditions,
                        defer,
                    )
                )
        return _merge(result)

    def field(
        self,
        node: FieldNode,
        directives: str,
        variables: tuple[str, ...],
        seen: frozenset[str],
        conditions: frozenset[tuple[str, bool]],
    ) -> NField:
        arguments = ", ".join(print_ast(a) for a in node.arguments or ())
        alias = node.alias.value if node.alias else None
        subs = self.selections(node.selection_set, seen) if node.selection_set else None
        return NField(
            response_key=alias or node.name.value,
            name=node.name.value,
            alias=alias,
            arguments=arguments,
            directives=directives,
            variables=tuple(dict.fromkeys((*_variables(node.arguments or ()), *variables))),
            selections=subs,
            conditions=conditions,
        )

    def spread(
        self, name: str, directives: str, variables: tuple[str, ...], seen: frozenset[str]
    ) -> NFragment:
        definition = self.fragments.get(name)
        if definition is None or name in seen:
            raise PlanningError(f"unknown or cyclic fragment {name!r}")
        subs = self.selections(definition.selection_set, seen | {name})
        return NFragment(definition.type_condition.name.value, directives, variables, subs)


def _merge(selections: list[NSelection]) -> tuple[NSelection, ...]:
    """Merge fields sharing response key and directives (their sub-selections concatenate)."""
    merged: dict[tuple[str, str], NField] = {}
    order: list[NSelection | tuple[str, str]] = []
    for selection in selections:
        if isinstance(selection, NFragment):
            order.append(selection)
            continue
        previous = merged.get(selection.signature)
        if previous is None:
            merged[selection.signature] = selection
            order.append(selection.signature)
        elif previous.selections is not None and selection.selections is not None:
            subs = _merge([*previous.selections, *selection.selections])
            merged[selection.signature] = NField(
                previous.response_key,
                previous.name,
                previous.alias,
                previous.arguments,
                previous.directives,
                previous.variables,
                subs,
                previous.conditions,
            )
    return tuple(merged[item] if isinstance(item, tuple) else item for item in order)


def field_set_selections(selection_set: SelectionSetNode) -> tuple[NSelection, ...]:
    """A federation field set (``@key``/``@requires``/``@provides``) as normalized selections."""
    return _Normalizer({}).selections(selection_set, frozenset())


def normalize_operation(document: DocumentNode, operation_name: str | None) -> NormalizedOperation:
    """Pick the operation (by name, or the only one) and normalize its selection set."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        raise PlanningError(
            f"operation {operation_name!r} not found"
            if operation_name
            else "the document must contain exactly one operation (or name one)"
        )
    operation = operations[0]
    definitions = {v.variable.name.value: v for v in operation.variable_definitions or ()}
    return NormalizedOperation(
        kind=operation.operation.value,
        name=operation.name.value if operation.name else None,
        variable_definitions=definitions,
        selections=_Normalizer(fragments).selections(operation.selection_set, frozenset()),
    )
