"""What a selected field or type condition demands of the caller, given the supergraph's
``@authenticated``/``@requiresScopes`` rules (Apollo's semantics, see
:mod:`router.security.authorization_rules`).

Through an interface a field must be allowed on every implementation (the runtime type is unknown
before execution); a field returning an interface needs the implementations' type requirements
unless its selections are all type-conditioned fragments. Used by the operation analysis (once
per document) and by the filter (only when a caller misses a requirement).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_interface_type,
)

from router.security.authorization_rules import AuthorizationRules, Requirement

__all__ = ["field_requirement", "type_requirement"]


def type_requirement(
    schema: GraphQLSchema, rules: AuthorizationRules, named: GraphQLNamedType
) -> Requirement:
    requirement = rules.get(named.name)
    if is_interface_type(named):
        implementations = schema.get_possible_types(named)  # type: ignore[arg-type]
        requirement = requirement & rules.all_of(t.name for t in implementations)
    return requirement


def field_requirement(
    schema: GraphQLSchema,
    rules: AuthorizationRules,
    parent: GraphQLNamedType,
    definition: GraphQLField,
    node: FieldNode,
) -> Requirement:
    name = node.name.value
    returned = get_named_type(definition.type)
    requirement = rules.get(f"{parent.name}.{name}") & rules.get(returned.name)
    if is_interface_type(parent):
        implementations = schema.get_possible_types(parent)  # type: ignore[arg-type]
        requirement = requirement & rules.all_of(f"{t.name}.{name}" for t in implementations)
    if is_interface_type(returned) and not _only_fragments(node.selection_set):
        requirement = requirement & type_requirement(schema, rules, returned)
    return requirement


def _only_fragments(selection_set: SelectionSetNode | None) -> bool:
    selections = selection_set.selections if selection_set else ()
    return bool(selections) and all(
        isinstance(s, InlineFragmentNode | FragmentSpreadNode) for s in selections
    )
