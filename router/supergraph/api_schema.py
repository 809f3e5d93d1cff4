"""The API schema: what clients see of a supergraph.

As Apollo's ``toApiSchema`` does: drop every element of the linked features (join, link,
inaccessible, tag, ... definitions and their directive applications), remove ``@inaccessible``
types, fields, arguments, enum values and input fields (and references to removed types), and keep
only directives that matter to clients: ``@deprecated``, ``@specifiedBy`` and custom executable
directives; ``@defer`` is added (the router supports it).
"""

from __future__ import annotations

from copy import copy
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NamedTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
)
from graphql.language import DirectiveLocation

from router.supergraph.links import Links
from router.supergraph.model import SupergraphError

__all__ = ["DEFER_DEFINITION", "STREAM_DEFINITION", "build_api_schema"]

DEFER_DEFINITION = parse(
    "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"
).definitions[0]
"""``@defer`` as the incremental delivery RFC (and Apollo Router's API schema) define it: the
router plans and delivers deferred fragments (``router.planning.defer``)."""

STREAM_DEFINITION = parse(
    "directive @stream(if: Boolean! = true, label: String, initialCount: Int! = 0) on FIELD"
).definitions[0]
"""``@stream`` as the incremental delivery RFC defines it (issue #16): the router fetches the
list whole and streams its items (``router.execution.stream``)."""

_KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy"})
_EXECUTABLE = frozenset(
    {
        DirectiveLocation.QUERY,
        DirectiveLocation.MUTATION,
        DirectiveLocation.SUBSCRIPTION,
        DirectiveLocation.FIELD,
        DirectiveLocation.FRAGMENT_DEFINITION,
        DirectiveLocation.FRAGMENT_SPREAD,
        DirectiveLocation.INLINE_FRAGMENT,
        DirectiveLocation.VARIABLE_DEFINITION,
    }
)


class _Filter:
    def __init__(self, document: DocumentNode, links: Links) -> None:
        self.links = links
        feature = links.features.get("inaccessible")
        self.inaccessible = feature.directive("inaccessible") if feature else None
        self.removed_types = {
            d.name.value
            for d in document.definitions
            if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
            and (links.owns(d.name.value) or self.hidden(d))
        }

    def hidden(self, node: Any) -> bool:
        names = {d.name.value for d in getattr(node, "directives", None) or ()}
        return self.inaccessible is not None and self.inaccessible in names

    def directives(self, node: Any) -> tuple[DirectiveNode, ...]:
        return tuple(
            d for d in getattr(node, "directives", None) or () if d.name.value in _KEPT_DIRECTIVES
        )

    def type_refers_removed(self, node: Any) -> bool:
        while not isinstance(node, NamedTypeNode):
            node = node.type
        return node.name.value in self.removed_types

    def clean(self, node: Any) -> Any:
        """A copy of ``node`` without hidden children and with only client directives."""
        node = copy(node)
        if hasattr(node, "directives"):
            node.directives = self.directives(node)
        for attribute in ("fields", "arguments", "values"):
            children = getattr(node, attribute, None)
            if children:
                setattr(
                    node,
                    attribute,
                    tuple(
                        self.clean(child)
                        for child in children
                        if not self.hidden(child)
                        and not (hasattr(child, "type") and self.type_refers_removed(child))
                    ),
                )
        for attribute in ("interfaces", "types"):
            refs = getattr(node, attribute, None)
            if refs:
                setattr(
                    node,
                    attribute,
                    tuple(r for r in refs if r.name.value not in self.removed_types),
                )
        return node

    def directive_definition(self, node: DirectiveDefinitionNode) -> DirectiveDefinitionNode | None:
        if self.links.owns(node.name.value):
            return None
        locations = tuple(
            loc for loc in node.locations if DirectiveLocation[loc.value] in _EXECUTABLE
        )
        if not locations:
            return None
        node = copy(node)
        node.locations = locations
        return node


def build_api_schema(document: DocumentNode, links: Links) -> GraphQLSchema:
    """Derive the client-facing schema from a parsed supergraph document."""
    keep = _Filter(document, links)
    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            kept = keep.directive_definition(definition)
            if kept is not None:
                definitions.append(kept)
        elif isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode) or (
            isinstance(definition, TypeDefinitionNode | TypeExtensionNode)
            and definition.name.value not in keep.removed_types
        ):
            definitions.append(keep.clean(definition))
    if not any(
        isinstance(d, DirectiveDefinitionNode) and d.name.value == "defer" for d in definitions
    ):
        definitions.append(DEFER_DEFINITION)
    if not any(
        isinstance(d, DirectiveDefinitionNode) and d.name.value == "stream" for d in definitions
    ):
        definitions.append(STREAM_DEFINITION)
    try:
        return build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"cannot derive the API schema: {error}") from error
