"""``@link`` handling (link spec v1.0): which specs the supergraph uses and under which names.

A supergraph names its features with ``@link(url: ".../join/v0.3", as: ..., import: [...])`` on the
schema definition; elements of a feature are prefixed ``<name>__`` unless imported. The router
needs the *join* feature (v0.2 to v0.5) and recognises ``inaccessible``; every linked feature's
definitions are removed from the API schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)

from router.supergraph.model import SupergraphError

__all__ = ["Feature", "Links", "argument", "boolean", "read_links", "string"]

SUPPORTED_JOIN = ("v0.2", "v0.3", "v0.4", "v0.5")
_URL = re.compile(r"^https?://[^/]+(?:/.*)?/(?P<name>[A-Za-z_][\w-]*)/(?P<version>v\d+\.\d+)$")


@dataclass(frozen=True, slots=True)
class Feature:
    """One ``@link``: the spec's identity name, version, local name and directive imports."""

    identity: str
    version: str
    name: str
    imports: dict[str, str]
    """Imported directive name (without ``@``) in the spec -> its local name."""

    def directive(self, element: str) -> str:
        """The local name of the spec directive ``element`` (``join`` + ``type`` -> ``join__type``)."""
        if element == self.identity:
            return self.imports.get(element, self.name)
        return self.imports.get(element, f"{self.name}__{element}")

    def owns(self, name: str) -> bool:
        """Whether a type or directive called ``name`` belongs to this feature."""
        return (
            name.startswith(f"{self.name}__") or name == self.name or name in self.imports.values()
        )


@dataclass(frozen=True, slots=True)
class Links:
    """All features of a supergraph, by identity name (``join``, ``link``, ``inaccessible``...)."""

    features: dict[str, Feature]

    @property
    def join(self) -> Feature:
        return self.features["join"]

    def owns(self, name: str) -> bool:
        """Whether the type or directive ``name`` belongs to any linked feature."""
        return any(feature.owns(name) for feature in self.features.values())

    def directive(self, identity: str, element: str) -> str | None:
        feature = self.features.get(identity)
        return feature.directive(element) if feature else None


def argument(directive: DirectiveNode, name: str) -> ValueNode | None:
    """The value node of argument ``name`` of ``directive``."""
    for arg in directive.arguments or ():
        if isinstance(arg, ArgumentNode) and arg.name.value == name:
            return arg.value
    return None


def _string(value: ValueNode | None) -> str | None:
    if isinstance(value, StringValueNode | EnumValueNode):
        return value.value
    return None


def _imports(value: ValueNode | None) -> dict[str, str]:
    imports: dict[str, str] = {}
    items = value.values if isinstance(value, ListValueNode) else ()
    for item in items:
        if isinstance(item, StringValueNode):
            name = item.value.lstrip("@")
            imports[name] = name
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in item.fields}
            spec_name, alias = fields.get("name"), fields.get("as")
            if spec_name:
                imports[spec_name.lstrip("@")] = (alias or spec_name).lstrip("@")
    return imports


def _feature(directive: DirectiveNode) -> Feature:
    url = _string(argument(directive, "url")) or ""
    match = _URL.match(url)
    if not match:
        raise SupergraphError(
            f"@link(url: {url!r}) is not a spec URL (.../<name>/v<major>.<minor>)"
        )
    identity = match["name"]
    alias = _string(argument(directive, "as"))
    return Feature(
        identity, match["version"], alias or identity, _imports(argument(directive, "import"))
    )


def read_links(document: DocumentNode) -> Links:
    """Read the ``@link`` directives of the schema definition; require link v1.0 and join."""
    features: dict[str, Feature] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for directive in definition.directives or ():
                if directive.name.value == "link":
                    feature = _feature(directive)
                    features[feature.identity] = feature
                elif directive.name.value == "core":
                    raise SupergraphError(
                        "this supergraph uses the core spec (@core, Federation 1 supergraph "
                        "format); recompose it with Federation 2 composition (link v1.0)"
                    )
    link = features.get("link")
    if link is None:
        raise SupergraphError('not a supergraph: the schema has no @link(url: ".../link/v1.0")')
    if link.version != "v1.0":
        raise SupergraphError(f"unsupported link spec version {link.version} (expected v1.0)")
    join = features.get("join")
    if join is None:
        raise SupergraphError("not a supergraph: no @link to the join spec")
    if join.version not in SUPPORTED_JOIN:
        raise SupergraphError(
            f"unsupported join spec version {join.version} (supported: {', '.join(SUPPORTED_JOIN)})"
        )
    return Links(features)


def boolean(value: ValueNode | None, default: bool = False) -> bool:
    """A boolean argument value (``default`` when absent)."""
    return value.value if isinstance(value, BooleanValueNode) else default


def string(value: ValueNode | None) -> str | None:
    """A string or enum argument value."""
    return _string(value)
