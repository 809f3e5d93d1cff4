"""Static cost estimation of an operation before it runs (Apollo Router demand control,
``static_estimated`` strategy, over IBM's ``@cost``/``@listSize`` directives).

Per field: ``count * (weight + cost of its selections) + cost of its arguments``, where ``weight``
is the field's ``@cost``, else its type's ``@cost``, else 1 for objects, interfaces and unions and
0 for scalars and enums; ``count`` is 1 for a non-list field, and for a list the size ``@listSize``
gives (the largest slicing argument passed, else ``assumedSize``), a size a parent's
``sizedFields`` handed down, or the configured default list size. An argument costs its
``@cost`` weight plus the weights of the input fields it sets. A mutation adds 10. Fragments
count once per spread; inline fragments on different types are all added (an upper bound).

The operation analysis (:mod:`router.operations.analysis`) builds a :class:`CostTree` in its one
visit of the document: schema lookups done, only the fields that cost something kept. Its estimate
is computed once, or per request when a field argument holds a variable (a slicing argument, an
input object).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined

from router.limits.cost_directives import CostDirectives, ListSize

__all__ = ["MUTATION_BASE_COST", "CostDirectiveError", "CostField", "CostTree"]

MUTATION_BASE_COST = 10.0


class CostDirectiveError(ValueError):
    """The operation does not satisfy a ``@listSize`` (e.g. not exactly one slicing argument)."""


@dataclass(slots=True)
class CostField:
    """One selected field with what its cost needs; a container (the operation, a fragment, a
    free field such as ``__typename``) only holds children and fragment spreads."""

    weight: float = 0.0
    coordinate: str = ""
    list_size: ListSize | None = None
    is_list: bool = False
    definition: GraphQLField | None = None
    arguments: tuple[ArgumentNode, ...] = ()
    free: bool = False
    children: list[CostField] = field(default_factory=list)
    spreads: list[str] = field(default_factory=list)

    @classmethod
    def container(cls, *, free: bool = False) -> CostField:
        return cls(free=free)

    @classmethod
    def of(
        cls,
        directives: CostDirectives,
        parent: GraphQLNamedType,
        definition: GraphQLField,
        node: FieldNode,
    ) -> CostField:
        coordinate = f"{parent.name}.{node.name.value}"
        named = get_named_type(definition.type)
        weight = directives.weights.get(
            coordinate, directives.weights.get(named.name, 1.0 if is_composite_type(named) else 0.0)
        )
        return cls(
            weight=weight,
            coordinate=coordinate,
            list_size=directives.list_sizes.get(coordinate),
            is_list=is_list_type(get_nullable_type(definition.type)),  # type: ignore[arg-type]
            definition=definition,
            arguments=tuple(node.arguments or ()),
        )


class CostTree:
    """The cost of one operation; :meth:`estimate` raises :class:`CostDirectiveError` when a
    ``@listSize`` is violated. Without variables in field arguments the estimate is memoized."""

    def __init__(
        self,
        schema: GraphQLSchema,
        directives: CostDirectives,
        root: CostField,
        fragments: Mapping[str, CostField],
        *,
        mutation: bool,
        per_request: bool,
    ) -> None:
        self._schema = schema
        self._directives = directives
        self._root = root
        self._fragments = fragments
        self._base = MUTATION_BASE_COST if mutation else 0.0
        self.per_request = per_request
        self._memo: dict[int, float | CostDirectiveError] = {}

    def estimate(self, variables: Mapping[str, Any] | None, *, default_list_size: int) -> float:
        if self.per_request:
            return self._compute(variables or {}, default_list_size)
        memo = self._memo.get(default_list_size)
        if memo is None:
            try:
                memo = self._compute({}, default_list_size)
            except CostDirectiveError as error:
                memo = error
            self._memo[default_list_size] = memo
        if isinstance(memo, CostDirectiveError):
            raise memo
        return memo

    def _compute(self, variables: Mapping[str, Any], default_list_size: int) -> float:
        estimator = _Estimator(self._directives, self._fragments, variables, default_list_size)
        return self._base + estimator.children(self._root, {})


class _Estimator:
    def __init__(
        self,
        directives: CostDirectives,
        fragments: Mapping[str, CostField],
        variables: Mapping[str, Any],
        default_list_size: int,
    ) -> None:
        self.directives = directives
        self.fragments = fragments
        self.variables = dict(variables)
        self.default_list_size = default_list_size
        self.visiting: set[str] = set()

    def children(self, parent: CostField, sized: Mapping[str, int]) -> float:
        total = 0.0
        for child in parent.children:
            if not child.free and child.definition is not None:
                total += self.field(child, sized.get(child.coordinate.rpartition(".")[2]))
        for name in parent.spreads:
            fragment = self.fragments.get(name)
            if fragment is None or name in self.visiting:
                continue
            self.visiting.add(name)
            try:
                total += self.children(fragment, sized)
            finally:
                self.visiting.discard(name)
        return total

    def field(self, node: CostField, handed_size: int | None) -> float:
        definition = node.definition
        if definition is None:
            return 0.0
        values = self.argument_values(node, definition)
        own_size, child_sizes = self.sizes(node, values)
        children = self.children(node, child_sizes)
        count = 1
        if node.is_list:
            count = next(
                s for s in (handed_size, own_size, self.default_list_size) if s is not None
            )
        return count * (node.weight + children) + self.arguments(node, definition, values)

    def argument_values(self, node: CostField, definition: GraphQLField) -> dict[str, Any]:
        values = {
            name: argument.default_value
            for name, argument in definition.args.items()
            if argument.default_value is not None and argument.default_value is not Undefined
        }
        for argument in node.arguments:
            values[argument.name.value] = value_from_ast_untyped(argument.value, self.variables)
        return {name: value for name, value in values.items() if value is not None}

    def sizes(
        self, node: CostField, values: Mapping[str, Any]
    ) -> tuple[int | None, dict[str, int]]:
        list_size = node.list_size
        if list_size is None:
            return None, {}
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
            field_name = node.coordinate.rpartition(".")[2]
            raise CostDirectiveError(
                f"Exactly one slicing argument of {list(list_size.slicing_arguments)} is required "
                f"on {field_name}, but {len(slices)} were given."
            )
        size = max(slices) if slices else list_size.assumed_size
        if list_size.sized_fields:
            return None, (
                {name: size for name in list_size.sized_fields} if size is not None else {}
            )
        return size, {}

    def arguments(
        self, node: CostField, definition: GraphQLField, values: Mapping[str, Any]
    ) -> float:
        total = 0.0
        for name, value in values.items():
            total += self.directives.weights.get(f"{node.coordinate}({name}:)", 0.0)
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
            for name, input_field in named.fields.items():
                if isinstance(item, dict) and item.get(name) is not None:
                    total += self.directives.weights.get(f"{named.name}.{name}", 0.0)
                    total += self.input_cost(input_field.type, item[name])
        return total


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
