"""``load_supergraph``: supergraph SDL text -> :class:`Supergraph`.

Reads the join spec directives (Federation supergraph format, join v0.2 to v0.5) from the parsed
SDL into the per-subgraph model, builds the full schema with graphql-core (which validates the
SDL) and derives the API schema.
"""

from __future__ import annotations

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
    build_ast_schema,
    parse,
    print_ast,
)

from router.supergraph.api_schema import build_api_schema
from router.supergraph.links import Links, argument, boolean, read_links, string
from router.supergraph.model import (
    ContextArgument,
    EnumValueDef,
    FieldDef,
    FieldInGraph,
    Graph,
    Key,
    Supergraph,
    SupergraphError,
    TypeDef,
    TypeInGraph,
    TypeKind,
)

__all__ = ["load_supergraph", "parse_field_set"]

_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "OBJECT",
    ObjectTypeExtensionNode: "OBJECT",
    InterfaceTypeDefinitionNode: "INTERFACE",
    InterfaceTypeExtensionNode: "INTERFACE",
    UnionTypeDefinitionNode: "UNION",
    UnionTypeExtensionNode: "UNION",
    EnumTypeDefinitionNode: "ENUM",
    EnumTypeExtensionNode: "ENUM",
    InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    InputObjectTypeExtensionNode: "INPUT_OBJECT",
    ScalarTypeDefinitionNode: "SCALAR",
}


def parse_field_set(text: str) -> SelectionSetNode:
    """Parse a federation ``FieldSet`` (``"id organization { id }"``) into a selection set."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"invalid field set {text!r}: {error.message}") from error
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        raise SupergraphError(f"invalid field set {text!r}")
    return operation.selection_set


def _context_arguments(value: ValueNode | None) -> tuple[ContextArgument, ...]:
    """``contextArguments: [{context, name, type, selection}]`` (join v0.5)."""
    if not isinstance(value, ListValueNode):
        return ()
    found: list[ContextArgument] = []
    for item in value.values:
        if not isinstance(item, ObjectValueNode):
            continue
        fields = {
            entry.name.value: entry.value.value
            for entry in item.fields
            if isinstance(entry.value, StringValueNode)
        }
        missing = {"name", "type", "context", "selection"} - fields.keys()
        if missing:
            raise SupergraphError(f"join__ContextArgument without {', '.join(sorted(missing))}")
        found.append(
            ContextArgument(fields["name"], fields["type"], fields["context"], fields["selection"])
        )
    return tuple(found)


def _unwrap(node: TypeNode) -> tuple[str, int]:
    depth = 0
    while not isinstance(node, NamedTypeNode):
        if isinstance(node, ListTypeNode):
            depth += 1
        node = node.type if isinstance(node, ListTypeNode | NonNullTypeNode) else node
    return node.name.value, depth


class _Reader:
    """Turns join directives into model objects; one instance per load."""

    def __init__(self, links: Links, graphs: dict[str, Graph]) -> None:
        self.links = links
        self.graphs = graphs
        join = links.join
        self.type_name = join.directive("type")
        self.field_name = join.directive("field")
        self.implements_name = join.directive("implements")
        self.member_name = join.directive("unionMember")
        self.enum_value_name = join.directive("enumValue")
        self.inaccessible_name = links.directive("inaccessible", "inaccessible")
        self.context_name = links.directive("context", "context")

    def graph_of(self, directive: DirectiveNode) -> str | None:
        value = string(argument(directive, "graph"))
        if value is None:
            return None
        graph = self.graphs.get(value)
        if graph is None:
            raise SupergraphError(
                f"@{directive.name.value}(graph: {value}) names no join__Graph value"
            )
        return graph.name

    def directives(self, node: object, name: str) -> list[DirectiveNode]:
        found = getattr(node, "directives", None) or ()
        return [d for d in found if d.name.value == name]

    def inaccessible(self, node: object) -> bool:
        return bool(self.inaccessible_name and self.directives(node, self.inaccessible_name))

    def type_graphs(self, node: TypeDefinitionNode | TypeExtensionNode) -> dict[str, TypeInGraph]:
        result: dict[str, TypeInGraph] = {}
        for directive in self.directives(node, self.type_name):
            graph = self.graph_of(directive)
            if graph is None:
                continue
            previous = result.get(graph, TypeInGraph(graph))
            keys = previous.keys
            key_text = string(argument(directive, "key"))
            if key_text is not None:
                resolvable = boolean(argument(directive, "resolvable"), True)
                keys = (*keys, Key(key_text, parse_field_set(key_text), resolvable))
            result[graph] = TypeInGraph(
                graph,
                keys,
                previous.extension or boolean(argument(directive, "extension")),
                previous.is_interface_object or boolean(argument(directive, "isInterfaceObject")),
            )
        return result

    def field_graphs(
        self,
        node: FieldDefinitionNode | InputValueDefinitionNode,
        type_graphs: dict[str, TypeInGraph],
    ) -> tuple[FieldInGraph, ...]:
        join_fields = self.directives(node, self.field_name)
        if not join_fields:
            return tuple(FieldInGraph(graph) for graph in type_graphs)
        entries: list[FieldInGraph] = []
        for directive in join_fields:
            graph = self.graph_of(directive)
            if graph is None:
                continue
            requires = string(argument(directive, "requires"))
            provides = string(argument(directive, "provides"))
            entries.append(
                FieldInGraph(
                    graph=graph,
                    type=string(argument(directive, "type")),
                    requires=parse_field_set(requires) if requires is not None else None,
                    requires_text=requires,
                    provides=parse_field_set(provides) if provides is not None else None,
                    provides_text=provides,
                    external=boolean(argument(directive, "external")),
                    override=string(argument(directive, "override")),
                    override_label=string(argument(directive, "overrideLabel")),
                    used_overridden=boolean(argument(directive, "usedOverridden")),
                    context_arguments=_context_arguments(argument(directive, "contextArguments")),
                )
            )
        return tuple(entries)

    def fields(
        self, node: TypeDefinitionNode | TypeExtensionNode, type_graphs: dict[str, TypeInGraph]
    ) -> dict[str, FieldDef]:
        result: dict[str, FieldDef] = {}
        for field in getattr(node, "fields", None) or ():
            named, depth = _unwrap(field.type)
            arguments = tuple(a.name.value for a in getattr(field, "arguments", None) or ())
            result[field.name.value] = FieldDef(
                name=field.name.value,
                type=print_ast(field.type),
                named_type=named,
                list_depth=depth,
                graphs=self.field_graphs(field, type_graphs),
                arguments=arguments,
                inaccessible=self.inaccessible(field),
            )
        return result

    def per_graph_names(self, node: object, name: str, arg: str) -> dict[str, tuple[str, ...]]:
        result: dict[str, list[str]] = {}
        for directive in self.directives(node, name):
            graph = self.graph_of(directive)
            value = string(argument(directive, arg))
            if graph is not None and value is not None:
                result.setdefault(graph, []).append(value)
        return {graph: tuple(values) for graph, values in result.items()}

    def enum_values(self, node: TypeDefinitionNode | TypeExtensionNode) -> tuple[EnumValueDef, ...]:
        values = []
        for value in getattr(node, "values", None) or ():
            graphs = tuple(
                g for d in self.directives(value, self.enum_value_name) if (g := self.graph_of(d))
            )
            values.append(EnumValueDef(value.name.value, graphs, self.inaccessible(value)))
        return tuple(values)

    def typedef(self, node: TypeDefinitionNode | TypeExtensionNode) -> TypeDef:
        kind = _KINDS[type(node)]
        graphs = self.type_graphs(node)
        return TypeDef(
            name=node.name.value,
            kind=kind,
            graphs=graphs,
            fields=self.fields(node, graphs),
            implements=self.per_graph_names(node, self.implements_name, "interface"),
            union_members=self.per_graph_names(node, self.member_name, "member"),
            enum_values=self.enum_values(node) if kind == "ENUM" else (),
            inaccessible=self.inaccessible(node),
            contexts=self.contexts(node),
        )

    def contexts(self, node: object) -> tuple[str, ...]:
        """``@context(name:)`` values on a type (context spec v0.1)."""
        if not self.context_name:
            return ()
        return tuple(
            name
            for directive in self.directives(node, self.context_name)
            if (name := string(argument(directive, "name"))) is not None
        )


def _read_graphs(document: DocumentNode, links: Links) -> dict[str, Graph]:
    enum_name = f"{links.join.name}__Graph"
    graph_directive = links.join.directive("graph")
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == enum_name:
            graphs: dict[str, Graph] = {}
            for value in definition.values or ():
                found = [d for d in value.directives or () if d.name.value == graph_directive]
                if not found:
                    raise SupergraphError(
                        f"{enum_name}.{value.name.value} has no @{graph_directive}"
                    )
                name = string(argument(found[0], "name")) or value.name.value
                url = string(argument(found[0], "url")) or ""
                graphs[value.name.value] = Graph(value.name.value, name, url)
            return graphs
    raise SupergraphError(f"not a supergraph: enum {enum_name} is missing")


def _build_schema(document: DocumentNode) -> GraphQLSchema:
    try:
        return build_ast_schema(document)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"invalid supergraph schema: {error}") from error


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and model a Federation 2 supergraph SDL; ``SupergraphError`` says what is wrong."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"supergraph SDL does not parse: {error}") from error
    links = read_links(document)
    graphs = _read_graphs(document, links)
    schema = _build_schema(document)
    reader = _Reader(links, graphs)
    types: dict[str, TypeDef] = {}
    for definition in document.definitions:
        if (
            isinstance(definition, TypeDefinitionNode | TypeExtensionNode)
            and type(definition) in _KINDS
        ):
            typedef = reader.typedef(definition)
            types[typedef.name] = _merge(types.get(typedef.name), typedef)
    query = schema.query_type
    if query is None:
        raise SupergraphError("the supergraph has no query root type")
    mutation, subscription = schema.mutation_type, schema.subscription_type
    return Supergraph(
        sdl=sdl,
        graphs=tuple(graphs.values()),
        types=types,
        query_type=query.name,
        mutation_type=mutation.name if mutation else None,
        subscription_type=subscription.name if subscription else None,
        schema=schema,
        api_schema=build_api_schema(document, links),
    )


def _merge(previous: TypeDef | None, extra: TypeDef) -> TypeDef:
    """Fold a type extension into its definition (supergraphs rarely have any)."""
    if previous is None:
        return extra
    return TypeDef(
        name=previous.name,
        kind=previous.kind,
        graphs={**previous.graphs, **extra.graphs},
        fields={**previous.fields, **extra.fields},
        implements={**previous.implements, **extra.implements},
        union_members={**previous.union_members, **extra.union_members},
        enum_values=previous.enum_values + extra.enum_values,
        inaccessible=previous.inaccessible or extra.inaccessible,
        contexts=previous.contexts + extra.contexts,
    )
