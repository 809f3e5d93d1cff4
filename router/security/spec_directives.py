"""Find the applications of a spec directive (``@authenticated``, ``@requiresScopes``, ``@cost``,
``@listSize``) in a supergraph or subgraph SDL, whatever local name ``@link`` gave it.

Link spec v1.0: a directive of spec ``<name>`` is used as ``@<name>__<directive>`` unless
imported (``import: ["@cost"]`` or ``{name: "@cost", as: "@weight"}``); the spec's root directive
(the one named like the spec, e.g. ``@authenticated``) is used under the link's name. Composition
links the authorization specs as ``@link(url: ".../authenticated/v0.1", for: SECURITY)`` and the
cost spec as ``@link(url: ".../cost/v0.1", import: ["@cost", "@listSize"])``; subgraphs import
them from the federation spec (``federation__cost`` when not imported). Plain SDL without links
uses the bare names. The API schema drops these applications, so they are read from the SDL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)

__all__ = ["DirectiveUses", "argument_value", "directive_uses", "local_names"]

_URL = re.compile(r"/(?P<name>[A-Za-z_][\w-]*)/v\d+\.\d+/?$")
_TYPES_WITH_FIELDS = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
)
_TYPES = (
    *_TYPES_WITH_FIELDS,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
)

DirectiveUses = Mapping[str, list[DirectiveNode]]
"""Schema coordinate (``Type``, ``Type.field``, ``Type.field(arg:)``) -> applications."""


def argument_value(directive: DirectiveNode, name: str) -> ValueNode | None:
    for argument in directive.arguments or ():
        if isinstance(argument, ArgumentNode) and argument.name.value == name:
            return argument.value
    return None


def _links(document: DocumentNode) -> Iterable[DirectiveNode]:
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            yield from (d for d in definition.directives or () if d.name.value == "link")


def _imports(value: ValueNode | None) -> dict[str, str]:
    imports: dict[str, str] = {}
    for item in value.values if isinstance(value, ListValueNode) else ():
        if isinstance(item, StringValueNode):
            imports[item.value.lstrip("@")] = item.value.lstrip("@")
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name, alias = fields.get("name"), fields.get("as")
            if isinstance(name, StringValueNode):
                local = alias.value if isinstance(alias, StringValueNode) else name.value
                imports[name.value.lstrip("@")] = local.lstrip("@")
    return imports


def local_names(document: DocumentNode, specs: Iterable[str], directive: str) -> frozenset[str]:
    """Names under which ``@directive`` of any of ``specs`` (e.g. ``("authenticated",
    "federation")``) is applied in ``document``; the bare name when no link mentions it."""
    names: set[str] = set()
    wanted = set(specs)
    for link in _links(document):
        url = argument_value(link, "url")
        match = _URL.search(url.value) if isinstance(url, StringValueNode) else None
        if not match or match["name"] not in wanted:
            continue
        alias = argument_value(link, "as")
        prefix = alias.value if isinstance(alias, StringValueNode) else match["name"]
        imports = _imports(argument_value(link, "import"))
        if directive in imports:
            names.add(imports[directive])
        elif directive == match["name"]:
            names.add(prefix)
        else:
            names.add(f"{prefix}__{directive}")
    return frozenset(names) if names else frozenset({directive, f"federation__{directive}"})


def directive_uses(document: DocumentNode, names: frozenset[str]) -> dict[str, list[DirectiveNode]]:
    """Every application of a directive called one of ``names``, by schema coordinate."""
    uses: dict[str, list[DirectiveNode]] = defaultdict(list)

    def collect(coordinate: str, directives: Iterable[DirectiveNode] | None) -> None:
        uses[coordinate].extend(d for d in directives or () if d.name.value in names)

    for definition in document.definitions:
        if not isinstance(definition, _TYPES):
            continue
        type_name = definition.name.value
        collect(type_name, definition.directives)
        if not isinstance(definition, _TYPES_WITH_FIELDS):
            continue
        for field in definition.fields or ():
            collect(f"{type_name}.{field.name.value}", field.directives)
            for arg in getattr(field, "arguments", None) or ():
                collect(f"{type_name}.{field.name.value}({arg.name.value}:)", arg.directives)
    return {coordinate: found for coordinate, found in uses.items() if found}
