"""Resolve a subgraph's ``@link`` imports to federation directive names.

Implements the core schema ``@link`` spec (https://specs.apollo.dev/link/v1.0) as used by
Federation v2 subgraphs: ``@link(url: ".../federation/v2.x", as:, import: [...])`` makes imported
elements available under their own name or an ``as`` rename, and every other element under the
namespaced ``federation__name`` (or ``<as>__name``). A subgraph without a federation link is a
Federation 1 subgraph: its directives keep their plain names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
)

from router.composition.errors import CompositionError
from router.composition.specs import (
    FEDERATION_1_DIRECTIVES,
    FEDERATION_URL_PREFIX,
    FEDERATION_VERSIONS,
    directives_of_version,
)

__all__ = ["FederationLink", "resolve_links"]

_VERSION = re.compile(r"^v(\d+)\.(\d+)$")


@dataclass
class FederationLink:
    """How one subgraph names the federation directives."""

    version: tuple[int, int] | None  # None: a Federation 1 subgraph
    local_to_canonical: dict[str, str] = field(default_factory=dict)
    link_directive_names: frozenset[str] = frozenset({"link"})
    fieldset_type_names: frozenset[str] = frozenset({"_FieldSet", "FieldSet"})
    # @composeDirective: local directive name -> (spec url, import entry as written)
    composed: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def is_fed2(self) -> bool:
        return self.version is not None

    def local_name(self, canonical: str) -> str | None:
        for local, name in self.local_to_canonical.items():
            if name == canonical:
                return local
        return None


def _string_arg(directive: DirectiveNode, name: str) -> str | None:
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, StringValueNode):
            return argument.value.value
    return None


def _argument(directive: DirectiveNode, name: str) -> ArgumentNode | None:
    return next((a for a in directive.arguments or () if a.name.value == name), None)


def _imports(
    directive: DirectiveNode, subgraph: str, errors: list[CompositionError]
) -> list[tuple[str, str]]:
    """``import:`` entries as (name in spec, local name), both with their leading @ if any."""
    argument = _argument(directive, "import")
    if argument is None:
        return []
    values = (
        argument.value.values if isinstance(argument.value, ListValueNode) else [argument.value]
    )
    result = []
    for value in values:
        if isinstance(value, StringValueNode):
            result.append((value.value, value.value))
        elif isinstance(value, ObjectValueNode):
            fields = {f.name.value: f.value for f in value.fields}
            name, alias = fields.get("name"), fields.get("as")
            if isinstance(name, StringValueNode):
                local = alias.value if isinstance(alias, StringValueNode) else name.value
                result.append((name.value, local))
        else:
            errors.append(
                CompositionError(
                    "INVALID_LINK_DIRECTIVE_USAGE",
                    f"[{subgraph}] Invalid sub-value for @link(import:) argument: values should be"
                    ' either strings or input object values of the form { name: "<importedElement>",'
                    ' as: "<alias>" }.',
                    (subgraph,),
                )
            )
    return result


def _schema_directives(document: DocumentNode) -> list[DirectiveNode]:
    found: list[DirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            found.extend(definition.directives or ())
    return found


def _federation_names(
    version: tuple[int, int],
    alias: str,
    imports: list[tuple[str, str]],
    subgraph: str,
    errors: list[CompositionError],
) -> dict[str, str]:
    known = directives_of_version(version)
    mapping = {f"{alias}__{name}": name for name in known}
    for name, local in imports:
        if not name.startswith("@"):
            if name != "FieldSet":
                errors.append(_unknown_import(subgraph, name))
            continue
        canonical = name[1:]
        if canonical not in known:
            errors.append(_unknown_import(subgraph, name))
            continue
        del mapping[f"{alias}__{canonical}"]
        mapping[local.removeprefix("@")] = canonical
    return mapping


def _unknown_import(subgraph: str, name: str) -> CompositionError:
    return CompositionError(
        "INVALID_LINK_DIRECTIVE_USAGE",
        f'[{subgraph}] Cannot import unknown element "{name}".',
        (subgraph,),
        name,
    )


def resolve_links(
    document: DocumentNode, subgraph: str, errors: list[CompositionError]
) -> FederationLink:
    """Read the schema's ``@link``s: the federation version and the local directive names."""
    for directive in _schema_directives(document):
        if directive.name.value != "link":
            continue
        url = _string_arg(directive, "url") or ""
        if not url.startswith(FEDERATION_URL_PREFIX):
            continue
        match = _VERSION.match(url.removeprefix(FEDERATION_URL_PREFIX).rstrip("/"))
        version = (int(match.group(1)), int(match.group(2))) if match else None
        if version is None or version not in FEDERATION_VERSIONS:
            errors.append(
                CompositionError(
                    "UNKNOWN_FEDERATION_LINK_VERSION",
                    f"[{subgraph}] Invalid version {url.rsplit('/', 1)[-1]} for the federation "
                    f"feature in @link directive on schema",
                    (subgraph,),
                    url,
                )
            )
            return FederationLink(version=(2, 0), local_to_canonical={})
        alias = _string_arg(directive, "as") or "federation"
        imports = _imports(directive, subgraph, errors)
        names = _federation_names(version, alias, imports, subgraph, errors)
        fieldset_names = {f"{alias}__FieldSet"}
        fieldset_names.update(local for name, local in imports if name == "FieldSet")
        composed = _composed_directives(document, names, subgraph, errors)
        return FederationLink(
            version, names, frozenset({"link"}), frozenset(fieldset_names), composed
        )
    return FederationLink(None, {name: name for name in FEDERATION_1_DIRECTIVES})


def _composed_directives(
    document: DocumentNode,
    federation_names: dict[str, str],
    subgraph: str,
    errors: list[CompositionError],
) -> dict[str, tuple[str, str]]:
    """``@composeDirective(name: "@x")``: ``@x`` must come from a non-federation ``@link``."""
    linked: dict[str, tuple[str, str]] = {}
    wanted: list[str] = []
    for directive in _schema_directives(document):
        name = directive.name.value
        if name == "link":
            url = _string_arg(directive, "url") or ""
            if not url.startswith(FEDERATION_URL_PREFIX):
                for imported, local in _imports(directive, subgraph, errors):
                    entry = imported if imported == local else f"{imported} as {local}"
                    linked[local.removeprefix("@")] = (url, entry)
        elif federation_names.get(name) == "composeDirective":
            wanted.append((_string_arg(directive, "name") or "").removeprefix("@"))
    composed = {}
    for name in wanted:
        if name in linked:
            composed[name] = linked[name]
        else:
            errors.append(
                CompositionError(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Directive "@{name}" in subgraph "{subgraph}" cannot be composed'
                    " because it is not a member of a core feature",
                    (subgraph,),
                    f"@{name}",
                )
            )
    return composed
