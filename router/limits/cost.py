"""Static cost estimation of an operation before it runs (Apollo Router demand control,
``static_estimated`` strategy, over IBM's ``@cost``/``@listSize`` directives).

Per field: ``count * (weight + cost of its selections) + cost of its arguments``, where ``weight``
is the field's ``@cost``, else its type's ``@cost``, else 1 for objects, interfaces and unions and
0 for scalars and enums; ``count`` is 1 for a non-list field, and for a list the size ``@listSize``
gives (the largest slicing argument passed, else ``assumedSize``), a size a parent's
``sizedFields`` handed down, or the configured default list size. An argument costs its
``@cost`` weight plus the weights of the input fields it sets. A mutation adds 10. Fragments
count once per spread; inline fragments on different types are all added (an upper bound).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined

from router.limits.cost_directives import CostDirectives, ListSize
from router.limits.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    COST_QUERY_PARSE_FAILURE,
    LimitExceeded,
)
from router.limits.operation import fragment_definitions, select_operation

__all__ = ["MUTATION_BASE_COST", "CostDirectiveError", "check_cost", "estimate_cost"]

MUTATION_BASE_COST = 10.0


class CostDirectiveError(ValueError):
    """The operation does not satisfy a ``@listSize`` (e.g. not exactly one slicing argument)."""


class _Estimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        directives: CostDirectives,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_list_size: int,
    ) -> None:
        self.schema = schema
        self.directives = directives
        self.fragments = fragments
        self.variables = dict(variables)
        self.default_list_size = default_list_size
        self.visiting: set[str] = set()

    def selection_set(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        sized: Mapping[str, int],
    ) -> float:
        total = 0.0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, sized.get(selection.name.value))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(target or parent, selection.selection_set, sized)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, sized)
        return total

    def fragment(self, name: str, sized: Mapping[str, int]) -> float:
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0.0
        target = self.schema.get_type(definition.type_condition.name.value)
        if target is None:
            return 0.0
        self.visiting.add(name)
        try:
            return self.selection_set(target, definition.selection_set, sized)
        finally:
            self.visiting.discard(name)

    def field(self, parent: GraphQLNamedType, node: FieldNode, handed_size: int | None) -> float:
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is None:  # __typename and introspection fields cost nothing
            return 0.0
        coordinate = f"{parent.name}.{node.name.value}"
        named = get_named_type(definition.type)
        weight = self.directives.weights.get(
            coordinate,
            self.directives.weights.get(named.name, 1.0 if is_composite_type(named) else 0.0),
        )
        own_size, child_sizes = self.sizes(
            self.directives.list_sizes.get(coordinate), node, definition
        )
        children = self.selection_set(named, node.selection_set, child_sizes)
        count = 1
        if is_list_type(get_nullable_type(definition.type)):  # type: ignore[arg-type]
            count = next(
                s for s in (handed_size, own_size, self.default_list_size) if s is not None
            )
        return count * (weight + children) + self.arguments(coordinate, node, definition)

    def argument_values(self, node: FieldNode, definition: GraphQLField) -> dict[str, Any]:
        values = {
            name: argument.default_value
            for name, argument in definition.args.items()
            if argument.default_value is not None and not _is_undefined(argument.default_value)
        }
        for argument in node.arguments or ():
            if isinstance(argument, ArgumentNode):
                values[argument.name.value] = value_from_ast_untyped(argument.value, self.variables)
        return {name: value for name, value in values.items() if value is not None}

    def sizes(
        self, list_size: ListSize | None, node: FieldNode, definition: GraphQLField
    ) -> tuple[int | None, dict[str, int]]:
        if list_size is None:
            return None, {}
        values = self.argument_values(node, definition)
        slices = [
            size
            for path in list_size.slicing_arguments
            if (size := _at_path(values, path)) is not None
        ]
        if (
            list_size.slicing_arguments
            and list_size.require_one_slicing_argument
            and len(slices) != 1
        ):
            raise CostDirectiveError(
                f"Exactly one slicing argument of {list(list_size.slicing_arguments)} is required "
                f"on {node.name.value}, but {len(slices)} were given."
            )
        size = max(slices) if slices else list_size.assumed_size
        if list_size.sized_fields:
            return None, (
                {name: size for name in list_size.sized_fields} if size is not None else {}
            )
        return size, {}

    def arguments(self, coordinate: str, node: FieldNode, definition: GraphQLField) -> float:
        total = 0.0
        for name, value in self.argument_values(node, definition).items():
            total += self.directives.weights.get(f"{coordinate}({name}:)", 0.0)
            if name in definition.args:
                total += self.input_cost(definition.args[name].type, value)
        return total

    def input_cost(self, type_: GraphQLInputType, value: Any) -> float:
        named = get_named_type(type_)
        if not isinstance(named, GraphQLInputObjectType):
            return 0.0
        items = value if isinstance(value, list) else [value]
        total = 0.0
        for item in items:
            for name, field in named.fields.items():
                if isinstance(item, dict) and item.get(name) is not None:
                    total += self.directives.weights.get(f"{named.name}.{name}", 0.0)
                    total += self.input_cost(field.type, item[name])
        return total


def _is_undefined(value: Any) -> bool:
    return value is Undefined


def _at_path(values: Mapping[str, Any], path: str) -> int | None:
    """A slicing argument's value; ``input.first`` reaches into an input object."""
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return (
        int(current) if isinstance(current, int | float) and not isinstance(current, bool) else None
    )


def estimate_cost(
    schema: GraphQLSchema,
    directives: CostDirectives,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    default_list_size: int = 10,
) -> float:
    """The estimated cost; raises :class:`CostDirectiveError` when a ``@listSize`` is violated."""
    operation = select_operation(document, operation_name)
    if operation is None:
        return 0.0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0.0
    estimator = _Estimator(
        schema, directives, fragment_definitions(document), variables or {}, default_list_size
    )
    base = MUTATION_BASE_COST if operation.operation == OperationType.MUTATION else 0.0
    return base + estimator.selection_set(root, operation.selection_set, {})


def check_cost(
    schema: GraphQLSchema,
    directives: CostDirectives,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    max_cost: float,
    default_list_size: int = 10,
) -> LimitExceeded | None:
    """None when the estimate is at most ``max_cost``."""
    try:
        cost = estimate_cost(
            schema,
            directives,
            document,
            operation_name,
            variables,
            default_list_size=default_list_size,
        )
    except CostDirectiveError as error:
        return LimitExceeded(COST_QUERY_PARSE_FAILURE, str(error), None, None)
    if cost <= max_cost:
        return None
    return LimitExceeded(
        COST_ESTIMATED_TOO_EXPENSIVE,
        f"The estimated cost of the operation ({cost:g}) is more than the limit ({max_cost:g}).",
        cost,
        max_cost,
    )
