"""The ``@stream`` directive as the router sees it (incremental delivery RFC, 2022-08-24 format:
``@stream(if: Boolean! = true, label: String, initialCount: Int! = 0)`` on list fields).

:func:`stream_points` finds the streamed fields of an operation (their response paths, with
``"@"`` for each list level above them, the way plan ``Flatten`` paths are written) and
:func:`stream_usage_errors` applies the RFC's validation rules "Stream Directives Are Used On
List Fields" and "Defer And Stream Directive Labels Are Unique" (labels are shared with
``@defer``). Messages are those of GraphQL Yoga's defer/stream plugin (what Hive Gateway
answers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
)

__all__ = [
    "STREAM",
    "StreamPoint",
    "initial_count_errors",
    "stream_points",
    "stream_usage_errors",
]

STREAM = "stream"
NEGATIVE_INITIAL_COUNT = "initialCount must be a positive integer"


@dataclass(frozen=True, slots=True)
class StreamPoint:
    """One ``@stream`` field: ``path`` of response keys from the root (``"@"`` per list level
    of the fields above it), the field's ``parent`` type and ``node``, its ``label``, and the
    ``if`` / ``initialCount`` arguments (a literal, or the name of a variable)."""

    path: tuple[str, ...]
    parent: str
    node: FieldNode
    label: str | None
    if_value: bool | str
    initial_count: int | str
    list_depth: int

    def enabled(self, variables: Mapping[str, Any]) -> bool:
        if isinstance(self.if_value, bool):
            return self.if_value
        return variables.get(self.if_value) is True

    def count(self, variables: Mapping[str, Any]) -> int:
        if isinstance(self.initial_count, int):
            return self.initial_count
        value = variables.get(self.initial_count, 0)
        return value if isinstance(value, int) else 0


def _list_depth(type_: GraphQLOutputType) -> int:
    depth = 0
    current: Any = type_
    while isinstance(current, GraphQLNonNull | GraphQLList):
        if isinstance(current, GraphQLList):
            depth += 1
        current = current.of_type
    return depth


def _argument(directive: DirectiveNode, name: str) -> Any:
    return next((a.value for a in directive.arguments or () if a.name.value == name), None)


def _point(
    directive: DirectiveNode, path: tuple[str, ...], parent: str, node: FieldNode, depth: int
) -> StreamPoint:
    label_node = _argument(directive, "label")
    label = label_node.value if isinstance(label_node, StringValueNode) else None
    if_node = _argument(directive, "if")
    if_value: bool | str = True
    if isinstance(if_node, BooleanValueNode):
        if_value = if_node.value
    elif isinstance(if_node, VariableNode):
        if_value = if_node.name.value
    count_node = _argument(directive, "initialCount")
    count: int | str = 0
    if isinstance(count_node, IntValueNode):
        count = int(count_node.value)
    elif isinstance(count_node, VariableNode):
        count = count_node.name.value
    return StreamPoint(path, parent, node, label, if_value, count, depth)


def _walk(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: GraphQLObjectType | GraphQLInterfaceType | Any,
    path: tuple[str, ...],
    *,
    fragments: Mapping[str, FragmentDefinitionNode],
    found: list[tuple[DirectiveNode, StreamPoint | None, str]],
    seen: frozenset[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode | FragmentSpreadNode):
            for directive in selection.directives or ():
                if directive.name.value == "defer":
                    found.append((directive, None, ""))
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = schema.get_type(condition.name.value) if condition else parent
                _walk(
                    schema,
                    selection.selection_set,
                    inner,
                    path,
                    fragments=fragments,
                    found=found,
                    seen=seen,
                )
            else:
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue
                inner = schema.get_type(fragment.type_condition.name.value)
                _walk(
                    schema,
                    fragment.selection_set,
                    inner,
                    path,
                    fragments=fragments,
                    found=found,
                    seen=seen | {name},
                )
            continue
        if not isinstance(selection, FieldNode):
            continue
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(selection.name.value)
        if definition is None:
            continue
        key = selection.alias.value if selection.alias else selection.name.value
        depth = _list_depth(definition.type)
        here = (*path, key)
        for directive in selection.directives or ():
            if directive.name.value == STREAM:
                point = _point(directive, here, parent.name, selection, depth)
                found.append(
                    (directive, point, f'"{selection.name.value}" on type "{parent.name}"')
                )
        if selection.selection_set is not None:
            inner = get_named_type(definition.type)
            below = (*here, *("@",) * depth)
            _walk(
                schema,
                selection.selection_set,
                inner,
                below,
                fragments=fragments,
                found=found,
                seen=seen,
            )


def _collect(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[tuple[DirectiveNode, StreamPoint | None, str]]:
    root = schema.get_root_type(operation.operation)
    found: list[tuple[DirectiveNode, StreamPoint | None, str]] = []
    if root is not None:
        _walk(
            schema,
            operation.selection_set,
            root,
            (),
            fragments=fragments,
            found=found,
            seen=frozenset(),
        )
    return found


def stream_usage_errors(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[str]:
    """The RFC's validation rules for ``@stream`` (a literal negative ``initialCount`` is
    refused here too, as graphql-js refuses it before executing)."""
    errors: list[str] = []
    labels: set[str] = set()
    streamed: set[str] = set()
    streams = False
    for directive, point, where in _collect(schema, operation, fragments):
        label = _argument(directive, "label")
        if isinstance(label, StringValueNode):
            # a label used twice by @defer alone is defer_usage_errors' to report
            if label.value in (labels if point is not None else streamed):
                errors.append("Defer/Stream directive label argument must be unique.")
            labels.add(label.value)
            if point is not None:
                streamed.add(label.value)
        elif label is not None and point is not None:
            errors.append("Defer/Stream directive label argument must be a static string.")
        if point is None:
            continue
        streams = True
        if point.list_depth == 0:
            errors.append(f"Stream directive cannot be used on non-list field {where}.")
        if isinstance(point.initial_count, int) and point.initial_count < 0:
            errors.append(NEGATIVE_INITIAL_COUNT)
    if streams and operation.operation.value == "subscription":
        errors.append("Stream directive not supported on subscription operations.")
    return errors


def stream_points(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[StreamPoint, ...]:
    """Every ``@stream`` field on a list of the operation, outermost first."""
    points = [p for _, p, _ in _collect(schema, operation, fragments) if p is not None]
    return tuple(sorted((p for p in points if p.list_depth > 0), key=lambda p: len(p.path)))


def initial_count_errors(points: Sequence[StreamPoint], variables: Mapping[str, Any]) -> list[str]:
    """``initialCount`` from a variable that is negative (graphql-js refuses it too; a request
    error here rather than Hive Gateway's masked field error)."""
    return [
        NEGATIVE_INITIAL_COUNT
        for point in points
        if isinstance(point.initial_count, str)
        and point.enabled(variables)
        and point.count(variables) < 0
    ][:1]
