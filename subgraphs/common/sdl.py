"""The subgraph SDL that ``_service { sdl }`` returns, the same for every library.

Apollo's subgraph spec ("Fetch service capabilities") wants the schema as written, with its
``@link`` and federation directive *uses*, but without the definitions federation adds
(``_Any``, ``_Entity``, ``_Service``, ``Query._entities``/``_service``, the directive definitions),
as ``@apollo/subgraph``'s ``printSubgraphSchema`` prints it. Strawberry prints those additions;
this module is the one place that removes them, and both libraries serve its output.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    UnionTypeDefinitionNode,
    parse,
    print_ast,
)

__all__ = ["clean_subgraph_sdl", "serve_sdl"]

FEDERATION_TYPES = frozenset(
    {
        "_Any",
        "_Entity",
        "_Service",
        "_FieldSet",
        "FieldSet",
        "link__Import",
        "link__Purpose",
        "Import",
        "federation__FieldSet",
        "federation__Scope",
        "federation__Policy",
        "federation__ContextFieldValue",
    }
)
FEDERATION_FIELDS = frozenset({"_entities", "_service"})
OWN_DIRECTIVES = frozenset({"cacheControl"})
"""Directive definitions of the subgraph's own, printed as ``printSubgraphSchema`` prints
custom directives (Apollo Server's ``@cacheControl``, issue #17)."""
_NAMED = (ScalarTypeDefinitionNode, UnionTypeDefinitionNode, EnumTypeDefinitionNode)
_OBJECTS = (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)


def _without_federation_fields(node: Any) -> Any:
    fields = tuple(f for f in node.fields or () if f.name.value not in FEDERATION_FIELDS)
    if not fields:
        return None
    return node.__class__(**{**{k: getattr(node, k) for k in node.keys}, "fields": fields})


def _schema_extension(node: SchemaDefinitionNode | SchemaExtensionNode) -> Any:
    """``schema @link(...) { query: Query }`` as ``extend schema @link(...)`` (the default root
    type names need no schema block, and an entity-only subgraph has no ``Query`` left)."""
    for operation in node.operation_types or ():
        default = operation.operation.value.capitalize()
        if operation.type.name.value != default:
            return node
    return SchemaExtensionNode(directives=node.directives, operation_types=())


def clean_subgraph_sdl(sdl: str) -> str:
    """``sdl`` without federation's own definitions (idempotent)."""
    kept = []
    for original in parse(sdl).definitions:
        definition: Any = original
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            definition = _schema_extension(definition)
        if (
            isinstance(definition, DirectiveDefinitionNode)
            and definition.name.value not in OWN_DIRECTIVES
        ):
            continue
        if isinstance(definition, _NAMED) and definition.name.value in FEDERATION_TYPES:
            continue
        if isinstance(definition, _OBJECTS) and definition.name.value == "_Service":
            continue
        if isinstance(definition, _OBJECTS):
            definition = _without_federation_fields(definition)
            if definition is None:
                continue
        kept.append(definition)
    # the schema extension first, as printSubgraphSchema prints it (Strawberry prints the
    # directive definitions before it)
    kept.sort(key=lambda node: not isinstance(node, SchemaDefinitionNode | SchemaExtensionNode))
    return print_ast(DocumentNode(definitions=tuple(kept))) + "\n"


def serve_sdl(schema: GraphQLSchema, sdl: str) -> str:
    """Make ``_service { sdl }`` of the executable ``schema`` answer the cleaned ``sdl``."""
    cleaned = clean_subgraph_sdl(sdl)
    service = schema.type_map.get("_Service")
    query = schema.query_type
    if not isinstance(service, GraphQLObjectType) or query is None:
        raise ValueError("not a federation subgraph schema: no _Service type")
    service.fields["sdl"].resolve = lambda *_: cleaned
    query.fields["_service"].resolve = lambda *_: {"sdl": cleaned}
    return cleaned
