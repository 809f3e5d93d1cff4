"""Response shaping: project the merged data onto the client's selection set.

Compiled once per (operation, values of the ``@skip``/``@include`` variables) into completer
closures (:mod:`router.execution.completion`). Field order, aliases and fragment application follow
the spec's "CollectFields" (fragments apply by runtime ``__typename``, abstract type conditions
through the API schema's possible types); ``__typename`` is answered from the runtime type;
fields the plan added are dropped because only collected fields are emitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_nullable_type,
    is_abstract_type,
)

from router.execution.completion import (
    INVALID,
    Completer,
    FieldList,
    ShapeContext,
    abstract_completer,
    constant_completer,
    enum_completer,
    introspection_completer,
    list_completer,
    object_completer,
    scalar_completer,
)

__all__ = ["RootShape", "Shaper", "compile_item", "compile_object", "compile_root"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
MAX_VARIANTS = 64
"""Compiled variants kept per operation (one per combination of @skip/@include values)."""


Runtime = GraphQLObjectType | GraphQLInterfaceType


def _int(value: Any) -> Any:
    ok = type(value) is int and _INT_MIN <= value <= _INT_MAX
    return value if ok else INVALID


def _float(value: Any) -> Any:
    return value if type(value) in (int, float) else INVALID


def _string(value: Any) -> Any:
    return value if type(value) is str else INVALID


def _boolean(value: Any) -> Any:
    return value if type(value) is bool else INVALID


def _id(value: Any) -> Any:
    if type(value) is str:
        return value
    return str(value) if type(value) is int else INVALID


_FAST: dict[str, type] = {"String": str, "ID": str, "Boolean": bool, "Int": int, "Float": float}
_BUILT_IN = {"Int": _int, "Float": _float, "String": _string, "Boolean": _boolean, "ID": _id}
_INTROSPECTION_ROOT = frozenset({"__schema", "__type"})
_LOCAL_ROOT = _INTROSPECTION_ROOT | {"__typename"}


class RootShape:
    """The compiled shaper of one operation variant."""

    def __init__(
        self, fields: FieldList, introspection_keys: tuple[str, ...], *, local_only: bool
    ) -> None:
        self.fields = fields
        self.introspection_keys = introspection_keys
        """Root response keys answered by introspection (``__schema`` / ``__type``)."""
        self.local_only = local_only
        """Only ``__typename`` and introspection at the root: nothing to plan or fetch."""

    def shape(self, data: Mapping[str, Any] | None, ctx: ShapeContext) -> dict[str, Any] | None:
        """The response ``data``: ``None`` when a null propagated to the root."""
        out: dict[str, Any] = {}
        source = data or {}
        for key, completer, _ in self.fields:
            completed = completer(ctx, source.get(key), [], key)
            if completed is INVALID:
                return None
            out[key] = completed
        return out


class Shaper:
    """Compiles and caches :class:`RootShape` variants of one operation."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        self._schema = schema
        self._operation = operation
        self._fragments = fragments
        self.condition_variables = _condition_variables(operation, fragments)
        self._variants: dict[tuple[bool, ...], RootShape] = {}

    def variant(self, variables: Mapping[str, Any]) -> RootShape:
        key = tuple(variables.get(name) is True for name in self.condition_variables)
        shape = self._variants.get(key)
        if shape is None:
            conditions = dict(zip(self.condition_variables, key, strict=True))
            shape = _Compiler(self._schema, self._fragments, conditions).root(self._operation)
            if len(self._variants) >= MAX_VARIANTS:
                del self._variants[next(iter(self._variants))]
            self._variants[key] = shape
        return shape


def _conditions(variables: Mapping[str, Any]) -> dict[str, bool]:
    return {name: value is True for name, value in variables.items()}


def compile_root(
    schema: GraphQLSchema,
    selection: SelectionSetNode,
    variables: Mapping[str, Any],
    kind: OperationType = OperationType.QUERY,
) -> RootShape:
    """The shaper of a root selection set (a ``@defer`` part: the primary one, or a deferred
    fragment on the query root)."""
    operation = OperationDefinitionNode(
        operation=kind, selection_set=selection, variable_definitions=()
    )
    return _Compiler(schema, {}, _conditions(variables)).root(operation)


def compile_object(
    schema: GraphQLSchema, type_name: str, selection: SelectionSetNode, variables: Mapping[str, Any]
) -> Completer:
    """The completer of ``selection`` on an object of ``type_name`` (a deferred fragment).

    It is non-null: a null propagating to the fragment's object gives :data:`INVALID`, which
    the incremental delivery RFC turns into ``data: null`` for that payload."""
    named = schema.get_type(type_name)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        raise ValueError(f"{type_name} is not a composite type of the API schema")
    compiler = _Compiler(schema, {}, _conditions(variables))
    return compiler._completer(GraphQLNonNull(named), [selection], type_name)


def compile_item(
    schema: GraphQLSchema,
    parent: str,
    field: FieldNode,
    variables: Mapping[str, Any],
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Completer:
    """The completer of one item of the list field ``parent.field`` with the field's own
    selection (a ``@stream`` item, delivered in an incremental payload's ``items``)."""
    named = schema.get_type(parent)
    definition = getattr(named, "fields", {}).get(field.name.value)
    if definition is None:
        raise ValueError(f"{parent}.{field.name.value} is not in the API schema")
    list_type = get_nullable_type(definition.type)
    if not isinstance(list_type, GraphQLList):
        raise ValueError(f"{parent}.{field.name.value} is not a list")
    compiler = _Compiler(schema, fragments, _conditions(variables))
    subsets = [field.selection_set] if field.selection_set is not None else []
    return compiler._completer(list_type.of_type, subsets, f"{parent}.{field.name.value}")


def _condition_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    names: dict[str, None] = {}
    stack: list[SelectionSetNode] = [operation.selection_set]
    stack.extend(f.selection_set for f in fragments.values())
    while stack:
        for selection in stack.pop().selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments:
                        if isinstance(argument.value, VariableNode):
                            names[argument.value.name.value] = None
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                stack.append(selection_set)
    return tuple(sorted(names))


class _Compiler:
    """Spec "CollectFields" + the completers for one variant (conditions known)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        conditions: Mapping[str, bool],
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._conditions = conditions

    def root(self, operation: OperationDefinitionNode) -> RootShape:
        root_type = self._schema.get_root_type(operation.operation)
        if root_type is None:
            raise ValueError(f"the schema has no {operation.operation.value} type")
        grouped = self._collect(root_type, [operation.selection_set])
        fields: list[tuple[str, Completer, type | None]] = []
        introspection: list[str] = []
        for key, nodes in grouped.items():
            if nodes[0].name.value in _INTROSPECTION_ROOT:
                introspection.append(key)
                fields.append((key, introspection_completer(), None))
            else:
                fields.append((key, *self._field(root_type, nodes)))
        local_only = all(n[0].name.value in _LOCAL_ROOT for n in grouped.values())
        return RootShape(tuple(fields), tuple(introspection), local_only=local_only)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value = False
            for argument in directive.arguments:
                if argument.name.value == "if":
                    if isinstance(argument.value, BooleanValueNode):
                        value = argument.value.value
                    elif isinstance(argument.value, VariableNode):
                        value = self._conditions.get(argument.value.name.value, False)
            if (name == "skip") == value:
                return False
        return True

    def _applies(self, condition: str | None, runtime: Runtime) -> bool:
        if condition is None or condition == runtime.name:
            return True
        named = self._schema.get_type(condition)
        return is_abstract_type(named) and self._schema.is_sub_type(named, runtime)  # type: ignore[arg-type]

    def _collect(
        self, runtime: Runtime, selection_sets: list[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect_into(runtime, selection_set, grouped, visited)
        return grouped

    def _collect_into(
        self,
        runtime: Runtime,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if self._applies(condition.name.value if condition else None, runtime):
                    self._collect_into(runtime, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, runtime):
                    self._collect_into(runtime, fragment.selection_set, grouped, visited)

    def _field(self, parent: Runtime, nodes: list[FieldNode]) -> tuple[Completer, type | None]:
        name = nodes[0].name.value
        if name == "__typename":
            return constant_completer(parent.name), None
        definition = parent.fields.get(name)
        if definition is None:
            raise ValueError(f"{parent.name}.{name} is not in the API schema")
        subsets = [n.selection_set for n in nodes if n.selection_set is not None]
        completer = self._completer(definition.type, subsets, f"{parent.name}.{name}")
        named = get_nullable_type(definition.type)
        fast = _FAST.get(named.name) if isinstance(named, GraphQLScalarType) else None
        return completer, fast

    def _fields(self, runtime: Runtime, subsets: list[SelectionSetNode]) -> FieldList:
        grouped = self._collect(runtime, subsets)
        return tuple((key, *self._field(runtime, nodes)) for key, nodes in grouped.items())

    def _completer(
        self, type_: GraphQLOutputType, subsets: list[SelectionSetNode], coordinate: str
    ) -> Completer:
        non_null = isinstance(type_, GraphQLNonNull)
        named: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(named, GraphQLList):
            item = self._completer(named.of_type, subsets, coordinate)
            return list_completer(item, non_null, coordinate)
        if isinstance(named, GraphQLEnumType):
            return enum_completer(frozenset(named.values), non_null, coordinate)
        if isinstance(named, GraphQLScalarType):
            return scalar_completer(_BUILT_IN.get(named.name), non_null, coordinate)
        if isinstance(named, GraphQLObjectType):
            return object_completer((self._fields(named, subsets),), non_null, coordinate)
        return self._abstract(named, subsets, non_null, coordinate)

    def _abstract(
        self, abstract: Any, subsets: list[SelectionSetNode], non_null: bool, coordinate: str
    ) -> Completer:
        possible = {t.name: t for t in self._schema.get_possible_types(abstract)}
        compiled: dict[object, FieldList] = {}

        def fields_for(typename: object) -> FieldList | None:
            fields = compiled.get(typename)
            if fields is None:
                runtime: Runtime | None = None
                if isinstance(typename, str):
                    runtime = possible.get(typename)
                if runtime is None and isinstance(typename, str):
                    runtime = self._interface_object(abstract, typename, subsets)
                if typename is None and isinstance(abstract, GraphQLInterfaceType):
                    runtime = abstract  # no __typename fetched: only interface fields apply
                if runtime is None:
                    return None
                fields = compiled[typename] = self._fields(runtime, subsets)
            return fields

        return abstract_completer(fields_for, non_null, coordinate)

    def _interface_object(
        self, abstract: Any, typename: str, subsets: list[SelectionSetNode]
    ) -> GraphQLInterfaceType | None:
        """An ``@interfaceObject`` subgraph answers with the interface's own name.

        Its objects carry ``__typename`` = the interface when no fetch asked for the concrete
        type (the plan only does when the operation needs it: ``__typename`` or a fragment on
        an implementation). They are shaped as the interface: fields selected on it and on
        fragments whose condition it satisfies (Apollo Router and Hive Router accept them).

        When the operation asks ``__typename`` and the object still carries the interface's
        name, the fetch that was to give the concrete type failed or answered null (audit
        suite ``typename``: the implementing subgraph's ``_entities`` entry is null after a
        non-null error), or no subgraph knows one. ``__typename`` then has no object type to
        name, which CompleteValue cannot complete (spec 6.4.3, ResolveAbstractType must give
        an object type): a field error and null, as Apollo Gateway and Hive Gateway answer.
        Without ``__typename`` the object stays shaped as the interface, fragments on
        implementations not applying (Apollo Gateway's answer; Hive Gateway nulls it too).
        """
        named = self._schema.get_type(typename)
        if not isinstance(named, GraphQLInterfaceType):
            return None
        if named is not abstract and not self._schema.is_sub_type(abstract, named):
            return None
        if any(self._needs_concrete_type(named, subset, set()) for subset in subsets):
            return None
        return named

    def _needs_concrete_type(
        self, interface: GraphQLInterfaceType, selection_set: SelectionSetNode, visited: set[str]
    ) -> bool:
        """Whether the included selections on ``interface`` (and in fragments it satisfies)
        ask ``__typename``."""
        for selection in selection_set.selections:
            if not self._included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                if selection.name.value == "__typename":
                    return True
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is None or selection.name.value in visited:
                    continue
                visited.add(selection.name.value)
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                continue
            if not self._applies(condition.name.value if condition else None, interface):
                continue
            if self._needs_concrete_type(interface, inner, visited):
                return True
        return False
