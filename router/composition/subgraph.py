"""Read one subgraph SDL into the composition model (``router.composition.model``).

The SDL is parsed and validated by graphql-core (errors become ``INVALID_GRAPHQL``), with the
federation directives defined under the names the subgraph's ``@link`` gives them. Federation 1
subgraphs are upgraded the way Apollo's schema upgrader does: value-type fields and key fields
become shareable, ``@external`` on key fields of type extensions is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    StringValueNode,
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.language import Node

from router.composition.errors import CompositionError
from router.composition.fed1 import upgrade_federation_1
from router.composition.links import FederationLink, resolve_links
from router.composition.model import (
    Applied,
    Key,
    SubArgument,
    SubEnumValue,
    SubField,
    Subgraph,
    SubType,
)
from router.composition.specs import directives_of_version
from router.composition.subgraph_document import prepare_document, printed

__all__ = ["build_subgraph"]

_CARRIED = frozenset(
    {"tag", "authenticated", "requiresScopes", "policy", "cost", "listSize", "specifiedBy"}
)
_BUILTIN = frozenset({"String", "Int", "Float", "Boolean", "ID"})
_EXECUTABLE = frozenset(
    {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
    }
)


class _Reader:
    """Turns graphql-core elements into model values using the subgraph's directive names."""

    def __init__(self, link: FederationLink, extension_nodes: set[int], subgraph: str) -> None:
        self.link = link
        self.extension_nodes = extension_nodes
        self.subgraph = subgraph

    def directives(self, node: Node | None) -> list[tuple[str, DirectiveNode]]:
        found: list[tuple[str, DirectiveNode]] = []
        for directive in getattr(node, "directives", None) or ():
            local = directive.name.value
            canonical = self.link.local_to_canonical.get(local)
            if canonical is not None:
                found.append((canonical, directive))
            elif local in ("deprecated", "specifiedBy") or local in self.link.composed:
                found.append((local, directive))
        return found

    @staticmethod
    def applied(name: str, directive: DirectiveNode) -> Applied:
        args = ", ".join(f"{a.name.value}: {printed(a.value)}" for a in directive.arguments or ())
        return Applied(name, f"({args})" if args else "")

    @staticmethod
    def string(directive: DirectiveNode, name: str) -> str | None:
        for argument in directive.arguments or ():
            if argument.name.value == name and isinstance(argument.value, StringValueNode):
                return argument.value.value
        return None

    def element_common(
        self, node: Node | None
    ) -> tuple[Applied | None, bool, list[Applied], dict[str, list[DirectiveNode]]]:
        deprecated, inaccessible, carried = None, False, []
        by_name: dict[str, list[DirectiveNode]] = {}
        for name, directive in self.directives(node):
            by_name.setdefault(name, []).append(directive)
            if name == "deprecated":
                deprecated = self.applied("deprecated", directive)
            elif name == "inaccessible":
                inaccessible = True
            elif name in _CARRIED or name in self.link.composed:
                carried.append(self.applied(name, directive))
        return deprecated, inaccessible, carried, by_name

    def argument(self, name: str, node: Node) -> SubArgument:
        deprecated, inaccessible, carried, by_name = self.element_common(node)
        default = getattr(node, "default_value", None)
        argument = SubArgument(
            name,
            printed(node.type),  # type: ignore[attr-defined]
            printed(default) if default is not None else None,
            _description(node),
            deprecated,
            inaccessible,
            carried,
        )
        if "fromContext" in by_name:
            argument.from_context = self.string(by_name["fromContext"][0], "field")
        return argument

    def field(self, name: str, node: Node) -> SubField:
        deprecated, inaccessible, carried, by_name = self.element_common(node)
        sub_field = SubField(
            name,
            printed(node.type),  # type: ignore[attr-defined]
            {
                a.name.value: self.argument(a.name.value, a)
                for a in getattr(node, "arguments", ()) or ()
            },
            _description(node),
            deprecated,
            inaccessible=inaccessible,
            applied=carried,
        )
        default = getattr(node, "default_value", None)
        sub_field.default = printed(default) if default is not None else None
        sub_field.external = "external" in by_name
        sub_field.shareable = "shareable" in by_name
        if "requires" in by_name:
            sub_field.requires = self.string(by_name["requires"][0], "fields")
        if "provides" in by_name:
            sub_field.provides = self.string(by_name["provides"][0], "fields")
        if "override" in by_name and self.link.is_fed2:
            sub_field.override = self.string(by_name["override"][0], "from")
            sub_field.override_label = self.string(by_name["override"][0], "label")
        return sub_field

    def type_nodes(self, graphql_type: GraphQLNamedType) -> list[Node]:
        nodes: list[Node] = [graphql_type.ast_node] if graphql_type.ast_node else []
        return nodes + list(graphql_type.extension_ast_nodes or ())

    def named_type(self, graphql_type: GraphQLNamedType) -> SubType:
        sub_type = SubType(
            graphql_type.name, _kind(graphql_type), _description(graphql_type.ast_node)
        )
        extends = False
        for node in self.type_nodes(graphql_type):
            is_extension = id(node) in self.extension_nodes
            _, inaccessible, carried, by_name = self.element_common(node)
            sub_type.inaccessible |= inaccessible
            sub_type.applied.extend(carried)
            for directive in by_name.get("context", []):
                context = f"{self.subgraph}__{self.string(directive, 'name')}"
                sub_type.applied.append(Applied("context", f'(name: "{context}")'))
            sub_type.shareable |= "shareable" in by_name
            sub_type.interface_object |= "interfaceObject" in by_name
            extends |= "extends" in by_name
            for directive in by_name.get("key", []):
                resolvable = next(
                    (
                        a.value.value
                        for a in directive.arguments or ()
                        if a.name.value == "resolvable" and isinstance(a.value, BooleanValueNode)
                    ),
                    True,
                )
                fields = self.string(directive, "fields") or ""
                sub_type.keys.append(Key(fields, resolvable, is_extension))
            if "external" in by_name and self.link.is_fed2:
                names = getattr(graphql_type, "fields", {})
                self.extra_external.update((graphql_type.name, name) for name in names)
        if extends:
            sub_type.keys = [Key(k.fields, k.resolvable, True) for k in sub_type.keys]
            sub_type.extends_directive = True
        sub_type.extension = extends or all(
            id(node) in self.extension_nodes for node in self.type_nodes(graphql_type)
        )
        self.fill_members(graphql_type, sub_type)
        return sub_type

    extra_external: set[tuple[str, str]]

    def fill_members(self, graphql_type: GraphQLNamedType, sub_type: SubType) -> None:
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            sub_type.interfaces = [i.name for i in graphql_type.interfaces]
            for name, graphql_field in graphql_type.fields.items():
                sub_type.fields[name] = self.field(name, graphql_field.ast_node)
                if (graphql_type.name, name) in self.extra_external:
                    sub_type.fields[name].external = True
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for name, input_field in graphql_type.fields.items():
                sub_type.fields[name] = self.field(name, input_field.ast_node)
        elif isinstance(graphql_type, GraphQLUnionType):
            sub_type.members = [member.name for member in graphql_type.types]
        elif isinstance(graphql_type, GraphQLEnumType):
            for name, value in graphql_type.values.items():
                deprecated, inaccessible, carried, _ = self.element_common(value.ast_node)
                sub_type.values[name] = SubEnumValue(
                    name, _description(value.ast_node), deprecated, inaccessible, carried
                )


def _kind(graphql_type: GraphQLNamedType) -> str:
    kinds: Iterable[tuple[type, str]] = (
        (GraphQLObjectType, "OBJECT"),
        (GraphQLInterfaceType, "INTERFACE"),
        (GraphQLUnionType, "UNION"),
        (GraphQLEnumType, "ENUM"),
        (GraphQLInputObjectType, "INPUT_OBJECT"),
        (GraphQLScalarType, "SCALAR"),
    )
    return next(kind for cls, kind in kinds if isinstance(graphql_type, cls))


def _description(node: Node | None) -> str | None:
    description = getattr(node, "description", None)
    return description.value if isinstance(description, StringValueNode) else None


_UNKNOWN_TYPE = re.compile(r"^Unknown type '(\w+)'\.")
_UNKNOWN_DIRECTIVE = re.compile(r"^Unknown directive '@(\w+)'\.$")


def _apollo_message(message: str, link: FederationLink | None) -> str:
    """graphql-core's message in Apollo's words (double quotes, federation import hint)."""
    unknown_type = _UNKNOWN_TYPE.match(message)
    if unknown_type is not None:
        return f"Unknown type {unknown_type.group(1)}"
    match = _UNKNOWN_DIRECTIVE.match(message)
    if match is None:
        return message
    name = match.group(1)
    text = f'Unknown directive "@{name}".'
    if link is not None and link.is_fed2 and name in directives_of_version(link.version or (2, 0)):
        text += (
            f' If you meant the "@{name}" federation directive, you should use fully-qualified'
            f' name "@federation__{name}" or add "@{name}" to the `import` argument of the @link'
            " to the federation specification."
        )
    return text


def _invalid(subgraph: str, message: str, link: FederationLink | None = None) -> CompositionError:
    return CompositionError(
        "INVALID_GRAPHQL", f"[{subgraph}] {_apollo_message(message, link)}", (subgraph,)
    )


def build_subgraph(
    name: str, url: str, sdl: str, errors: list[CompositionError]
) -> Subgraph | None:
    """The composition model of one subgraph, or None (with errors) when it is not valid."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as error:
        errors.append(_invalid(name, error.message))
        return None
    before = len(errors)
    link = resolve_links(document, name, errors)
    prepared = prepare_document(document, link, name, errors)
    if len(errors) > before:
        return None
    try:
        schema = build_ast_schema(prepared.document)
    except (GraphQLError, TypeError) as error:
        messages = str(getattr(error, "message", error)).split("\n\n")
        invalid = [_invalid(name, message, link) for message in messages]
        errors.extend(dict.fromkeys(invalid))  # graphql-core repeats some (unknown types)
        return None
    problems = [e for e in validate_schema(schema) if "root type must be provided" not in e.message]
    if problems:
        errors.extend(_invalid(name, problem.message, link) for problem in problems)
        return None
    reader = _Reader(link, prepared.extension_nodes, name)
    reader.extra_external = set()
    types = {
        graphql_type.name: reader.named_type(graphql_type)
        for graphql_type in schema.type_map.values()
        if not graphql_type.name.startswith("__") and graphql_type.name not in _BUILTIN
    }
    roots = _root_names(schema)
    _rename_roots(types, roots)
    if "query" not in roots and "Query" not in types:
        types["Query"] = SubType(
            "Query", "OBJECT"
        )  # every subgraph has a Query (_entities, _service)
        roots["query"] = "Query"
    subgraph = Subgraph(name, url, link.version, types, schema, roots)
    subgraph.composed_directives = {
        name: (url, entry, schema.get_directive(name))
        for name, (url, entry) in link.composed.items()
        if schema.get_directive(name) is not None
    }
    subgraph.executable_directives = {
        d.name: d.ast_node
        for d in schema.directives
        if d.ast_node is not None
        and d.name not in link.local_to_canonical
        and all(location.name in _EXECUTABLE for location in d.locations)
    }
    if not link.is_fed2:
        upgrade_federation_1(subgraph)
    return subgraph


_DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _rename_roots(types: dict[str, SubType], roots: dict[str, str]) -> None:
    """Root types get their default names (``schema { query: RootQuery }`` -> ``Query``), as
    Apollo does, unless that name is taken (then ROOT_*_USED is reported)."""
    renames = {
        name: _DEFAULT_ROOTS[op]
        for op, name in roots.items()
        if name != _DEFAULT_ROOTS[op] and _DEFAULT_ROOTS[op] not in types
    }
    if not renames:
        return
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, renames)) + r")\b")

    def rename(type_string: str) -> str:
        return pattern.sub(lambda m: renames[m.group(1)], type_string)

    for old, new in renames.items():
        types[new] = types.pop(old)
        types[new].name = new
    for op, name in roots.items():
        roots[op] = renames.get(name, name)
    for sub_type in types.values():
        sub_type.interfaces = [rename(i) for i in sub_type.interfaces]
        sub_type.members = [rename(m) for m in sub_type.members]
        for sub_field in sub_type.fields.values():
            sub_field.type = rename(sub_field.type)
            for argument in sub_field.args.values():
                argument.type = rename(argument.type)


def _root_names(schema: object) -> dict[str, str]:
    roots: dict[str, str] = {}
    for operation in ("query", "mutation", "subscription"):
        root = getattr(schema, f"{operation}_type", None)
        if root is not None:
            roots[operation] = root.name
    return roots
