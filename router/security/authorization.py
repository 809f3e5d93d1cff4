"""Enforce ``@authenticated`` / ``@requiresScopes`` / ``@policy`` on a parsed operation before planning.

The gateway runs this filter only when the operation analysis (one per cached document) found a
requirement the caller misses; every other request plans the document as it is. As Apollo Router's authorization plugin in *filter* mode: every selected field whose requirements
(see :mod:`router.security.authorization_rules`) the caller does not meet is removed from the
operation, so the planner never fetches it, and an ``UNAUTHORIZED_FIELD_OR_TYPE`` error is
reported at its path in the client's response (response keys, ``"@"`` for each list level, as
Apollo's paths). Fragments whose type condition is unauthorized are removed with an error at the
enclosing path (requirements: :mod:`router.security.requirements`). A selection set emptied by the filter gets ``__typename`` so the document stays valid; the shaper
projects onto the client's original operation and nulls the reported paths. Selections excluded by
``@skip``/``@include`` (given the variables) are dropped without error.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)

from router.request import GraphQLResponse, graphql_error
from router.security.authorization_rules import AuthorizationRules, Requirement
from router.security.operation_rewrite import is_excluded, list_depth, rebuild_document
from router.security.requirements import field_requirement, type_requirement
from servicekit.auth.principal import ANONYMOUS, Principal

__all__ = ["UNAUTHORIZED_FIELD_OR_TYPE", "AuthorizationResult", "authorize_operation"]

UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
Path = tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationResult:
    """The operation to plan and the paths that were removed for lack of authorization."""

    document: DocumentNode
    unauthorized_paths: tuple[Path, ...]
    changed: bool

    def errors(self) -> list[dict[str, Any]]:
        return [
            graphql_error("Unauthorized field or type", UNAUTHORIZED_FIELD_OR_TYPE, path=list(path))
            for path in self.unauthorized_paths
        ]

    def rejection(self) -> GraphQLResponse | None:
        """With ``reject_unauthorized``: the whole operation refused (no data, 403), or None
        when nothing was unauthorized."""
        if not self.unauthorized_paths:
            return None
        return GraphQLResponse(errors=self.errors(), has_data=False, status_hint=403)


_TYPENAME = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())


class _Filter:
    def __init__(
        self,
        schema: GraphQLSchema,
        rules: AuthorizationRules,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        principal: Principal,
        *,
        policies: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.policies = policies
        self.rules = rules
        self.fragments = fragments
        self.variables = dict(variables)
        self.principal = principal
        self.unauthorized: list[Path] = []
        self.bodies: dict[str, SelectionSetNode] = {}
        self.visiting: set[str] = set()
        self.changed = False

    def allowed(self, requirement: Requirement) -> bool:
        principal = self.principal
        return requirement.satisfied_by(principal.is_authenticated, principal.scopes, self.policies)

    def type_requirement(self, named: GraphQLNamedType) -> Requirement:
        return type_requirement(self.schema, self.rules, named)

    def field_requirement(
        self, parent: GraphQLNamedType, definition: GraphQLField, node: FieldNode
    ) -> Requirement:
        return field_requirement(self.schema, self.rules, parent, definition, node)

    def selection_set(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, path: Path
    ) -> tuple[SelectionSetNode, bool]:
        """The filtered set and whether everything in it was removed."""
        kept: list[SelectionNode] = []
        for selection in selection_set.selections:
            if is_excluded(selection, self.variables):
                self.changed = True
                continue
            filtered = self.selection(parent, selection, path)
            if filtered is None:
                self.changed = True
            else:
                kept.append(filtered)
        if not kept:
            return SelectionSetNode(selections=(_TYPENAME,)), True
        if len(kept) == len(selection_set.selections) and all(
            a is b for a, b in zip(kept, selection_set.selections, strict=True)
        ):
            return selection_set, False
        return SelectionSetNode(selections=tuple(kept)), False

    def selection(
        self, parent: GraphQLNamedType, selection: SelectionNode, path: Path
    ) -> SelectionNode | None:
        if isinstance(selection, FieldNode):
            return self.field(parent, selection, path)
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = self.schema.get_type(condition.name.value) if condition else parent
            return self.fragment(target or parent, selection, selection.selection_set, path)
        if isinstance(selection, FragmentSpreadNode):
            return self.spread(selection, path)
        return selection

    def field(self, parent: GraphQLNamedType, node: FieldNode, path: Path) -> FieldNode | None:
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is None:  # __typename, introspection, or invalid (validation's job)
            return node
        field_path = (*path, (node.alias or node.name).value)
        if not self.allowed(self.field_requirement(parent, definition, node)):
            self.unauthorized.append(field_path)
            return None
        if node.selection_set is None:
            return node
        child_path = field_path + ("@",) * list_depth(definition.type)
        returned = get_named_type(definition.type)
        selection_set, _ = self.selection_set(returned, node.selection_set, child_path)
        if selection_set is node.selection_set:
            return node
        rewritten = copy(node)
        rewritten.selection_set = selection_set
        return rewritten

    def fragment(
        self,
        target: GraphQLNamedType,
        node: InlineFragmentNode,
        selection_set: SelectionSetNode,
        path: Path,
    ) -> InlineFragmentNode | None:
        if not self.allowed(self.type_requirement(target)):
            self.unauthorized.append(path)
            return None
        filtered, emptied = self.selection_set(target, selection_set, path)
        if emptied:
            return None
        if filtered is selection_set:
            return node
        rewritten = copy(node)
        rewritten.selection_set = filtered
        return rewritten

    def spread(self, node: FragmentSpreadNode, path: Path) -> FragmentSpreadNode | None:
        name = node.name.value
        definition = self.fragments.get(name)
        target = self.schema.get_type(definition.type_condition.name.value) if definition else None
        if definition is None or target is None or name in self.visiting:
            return node
        if not self.allowed(self.type_requirement(target)):
            self.unauthorized.append(path)
            return None
        self.visiting.add(name)
        filtered, emptied = self.selection_set(target, definition.selection_set, path)
        self.visiting.discard(name)
        self.bodies[name] = filtered
        return None if emptied else node


def authorize_operation(
    schema: GraphQLSchema,
    rules: AuthorizationRules,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    principal: Principal = ANONYMOUS,
    policies: frozenset[str] = frozenset(),
) -> AuthorizationResult:
    """Filter the selected operation for ``principal`` and the ``@policy`` names granted to this
    request (``policies``, decided by plugins: :mod:`router.plugins.policy`); the document is returned untouched when
    nothing had to be removed (and always when the supergraph has no authorization directives)."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if rules.is_empty or operation is None or root is None:
        return AuthorizationResult(document, (), False)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = _Filter(schema, rules, fragments, variables or {}, principal, policies=policies)
    selection_set, _ = walker.selection_set(root, operation.selection_set, ())
    if not walker.changed:
        return AuthorizationResult(document, (), False)
    rewritten: OperationDefinitionNode = copy(operation)
    rewritten.selection_set = selection_set
    new_document = rebuild_document(rewritten, walker.bodies, fragments)
    return AuthorizationResult(new_document, tuple(walker.unauthorized), True)
