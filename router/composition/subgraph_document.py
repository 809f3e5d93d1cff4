"""Prepare a subgraph SDL for graphql-core: drop federation plumbing, inject definitions.

Subgraph servers print their SDL with or without the federation definitions (``_Any``,
``_Entity``, ``_Service``, ``Query._entities``, ``directive @key ...``, ``scalar FieldSet``); the
subgraph spec lets them do either. This module removes them, checks user-written definitions of
federation directives against the spec (``DIRECTIVE_DEFINITION_INVALID``), turns type extensions
without a base definition into definitions (federation allows ``extend type Query`` alone) and
injects the federation directive definitions under the subgraph's local names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from router.composition.errors import CompositionError
from router.composition.links import FederationLink

__all__ = ["SPEC_DIRECTIVES", "PreparedDocument", "prepare_document", "printed"]

_FEDERATION_TYPES = frozenset(
    {"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet", "link__Import", "link__Purpose"}
)
_FEDERATION_QUERY_FIELDS = frozenset({"_entities", "_service"})
_ALL_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_ACCESS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
# canonical name -> (arguments, repeatable, locations); argument types relaxed to String.
SPEC_DIRECTIVES: dict[str, tuple[str, bool, str]] = {
    "key": ("(fields: String!, resolvable: Boolean = true)", True, "OBJECT | INTERFACE"),
    "requires": ("(fields: String!)", False, "FIELD_DEFINITION"),
    "provides": ("(fields: String!)", False, "FIELD_DEFINITION"),
    "external": ("(reason: String)", False, "OBJECT | FIELD_DEFINITION"),
    "extends": ("", False, "OBJECT | INTERFACE"),
    "shareable": ("", True, "OBJECT | FIELD_DEFINITION"),
    "tag": ("(name: String!)", True, _ALL_LOCATIONS + " | SCHEMA"),
    "inaccessible": ("", False, _ALL_LOCATIONS),
    "override": ("(from: String!, label: String)", False, "FIELD_DEFINITION"),
    "composeDirective": ("(name: String!)", True, "SCHEMA"),
    "interfaceObject": ("", False, "OBJECT"),
    "authenticated": ("", False, _ACCESS),
    "requiresScopes": ("(scopes: [[String!]!]!)", False, _ACCESS),
    "policy": ("(policies: [[String!]!]!)", False, _ACCESS),
    "context": ("(name: String!)", True, "INTERFACE | OBJECT | UNION"),
    "fromContext": ("(field: String)", False, "ARGUMENT_DEFINITION"),
    "cost": (
        "(weight: Int!)",
        False,
        "ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    ),
    "listSize": (
        "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],"
        " requireOneSlicingArgument: Boolean = true)",
        False,
        "FIELD_DEFINITION",
    ),
    "cacheTag": ("(format: String!)", True, "OBJECT | FIELD_DEFINITION"),
}
_SPEC_ARGUMENTS = {
    name: {part.split(":")[0].strip() for part in args.strip("()").split(",") if part.strip()}
    for name, (args, _, _) in SPEC_DIRECTIVES.items()
}
_SPEC_REQUIRED = {"key": {"fields"}, "requires": {"fields"}, "provides": {"fields"}}
_EXTENSION_TO_DEFINITION: dict[type[TypeExtensionNode], type[TypeDefinitionNode]] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}


@dataclass
class PreparedDocument:
    """The document graphql-core builds, and what the preparation learnt."""

    document: DocumentNode
    extension_nodes: set[int] = field(default_factory=set)  # ids of nodes that were extensions
    roots: dict[str, str] = field(default_factory=dict)


def _check_definition(
    node: DirectiveDefinitionNode, canonical: str, subgraph: str, errors: list[CompositionError]
) -> None:
    names = {argument.name.value for argument in node.arguments or ()}
    unknown = names - _SPEC_ARGUMENTS[canonical]
    missing = _SPEC_REQUIRED.get(canonical, set()) - names
    if unknown or missing:
        problem = (
            f'unknown argument "{sorted(unknown)[0]}"'
            if unknown
            else f'missing required argument "{sorted(missing)[0]}"'
        )
        errors.append(
            CompositionError(
                "DIRECTIVE_DEFINITION_INVALID",
                f'[{subgraph}] Invalid definition for directive "@{node.name.value}": {problem}',
                (subgraph,),
                f"@{node.name.value}",
            )
        )


def _strip_query_fields(node: DefinitionNode) -> DefinitionNode:
    if not isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
        return node
    fields = [f for f in node.fields or () if f.name.value not in _FEDERATION_QUERY_FIELDS]
    if len(fields) == len(node.fields or ()):
        return node
    copy = type(node)(**{key: getattr(node, key) for key in node.keys})
    copy.fields = tuple(fields)
    return copy


def _convert_orphan(
    node: DefinitionNode, defined: set[str], extension_nodes: set[int]
) -> DefinitionNode:
    """A type extension whose type has no definition becomes its definition."""
    if not isinstance(node, TypeExtensionNode):
        return node
    extension_nodes.add(id(node))
    if node.name.value in defined:
        return node
    defined.add(node.name.value)
    definition_class = _EXTENSION_TO_DEFINITION[type(node)]
    converted = definition_class(**{key: getattr(node, key) for key in node.keys if key != "loc"})
    converted.loc = node.loc
    extension_nodes.add(id(converted))
    return converted


def _injected_definitions(link: FederationLink) -> list[DefinitionNode]:
    return list(_definitions_for(tuple(sorted(link.local_to_canonical.items()))))


@lru_cache(maxsize=256)
def _definitions_for(names: tuple[tuple[str, str], ...]) -> tuple[DefinitionNode, ...]:
    """The federation directive definitions under local names (cached per naming)."""
    lines = []
    for local, canonical in names:
        args, repeatable, locations = SPEC_DIRECTIVES[canonical]
        lines.append(
            f"directive @{local}{args} {'repeatable ' if repeatable else ''}on {locations}"
        )
    return tuple(parse("\n".join(lines), no_location=True).definitions) if lines else ()


def _roots(nodes: list[DefinitionNode]) -> dict[str, str]:
    roots: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for operation in node.operation_types or ():
                roots[operation.operation.value] = operation.type.name.value
    return roots


def prepare_document(
    document: DocumentNode, link: FederationLink, subgraph: str, errors: list[CompositionError]
) -> PreparedDocument:
    """Strip federation plumbing, convert orphan extensions, inject federation definitions."""
    kept: list[DefinitionNode] = []
    extension_nodes: set[int] = set()
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode)}
    schema_nodes: list[DefinitionNode] = []
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            schema_nodes.append(node)
            continue
        if isinstance(node, DirectiveDefinitionNode):
            canonical = link.local_to_canonical.get(node.name.value)
            if canonical is not None:
                _check_definition(node, canonical, subgraph, errors)
                continue
            if node.name.value == "link":
                continue
        name = getattr(getattr(node, "name", None), "value", None)
        if name in _FEDERATION_TYPES or name in link.fieldset_type_names:
            continue
        kept.append(_convert_orphan(_strip_query_fields(node), defined, extension_nodes))
    roots = _roots(schema_nodes)
    operations = [f"{op}: {name}" for op, name in roots.items()]
    if operations:
        kept.append(
            parse("schema { " + " ".join(operations) + " }", no_location=True).definitions[0]
        )
    return PreparedDocument(
        DocumentNode(definitions=tuple(_injected_definitions(link) + kept)), extension_nodes, roots
    )


def printed(node: object) -> str:
    """``print_ast`` typed for nodes (used for arguments and default values)."""
    return print_ast(node)  # type: ignore[arg-type]
