"""The router operations each BFF can send, as persisted-query manifests the registry checks.

The BFFs' router traffic is assembled per request from static pieces (``bff.batching`` aliases
them into one ``BffStep``): the :class:`~bff.specs.EntitySpec` selections, the
:class:`~bff.specs.RootTemplate` root field calls and the web ``placeOrder`` mutation. Each piece
is rendered here as a standalone operation with its variables declared and a name saying which
piece it is (``BffWeb_ProductCard``), written to ``schema/persisted/bff-<name>.router.json``
(Apollo's manifest format). ``schema check`` validates these against the supergraph's API schema,
so a change that breaks a field a BFF uses fails and names the BFF piece.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from graphql import (
    DocumentNode,
    GraphQLSchema,
    NameNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
)

from bff.persisted import Manifest, PersistedOperation, sha256_hex
from bff.settings import BFFSettings
from bff.specs import EntitySpec, RootTemplate
from servicekit.topology import PROJECT_ROOT

__all__ = ["ROUTER_MANIFESTS", "RouterManifest", "build_router_manifest", "validate_manifest"]


@dataclass(frozen=True)
class RouterManifest:
    """Where one BFF's router operations go and what prefixes their names."""

    bff: str
    prefix: str
    """``BffWeb``: operation names are ``BffWeb_<piece>``."""
    spec_prefix: str
    """Dropped from an EntitySpec's name (``WebProductCard`` is piece ``ProductCard``)."""

    @property
    def path(self) -> Path:
        return PROJECT_ROOT / "schema" / "persisted" / f"bff-{self.bff}.router.json"


ROUTER_MANIFESTS = {
    "web": RouterManifest("web", "BffWeb", "Web"),
    "mobile": RouterManifest("mobile", "BffMobile", "Mobile"),
}


def _specs(bff: str) -> list[EntitySpec]:
    settings = BFFSettings()
    if bff == "web":
        from bff_web.loaders import web_specs

        specs: object = web_specs(settings)
    else:
        from bff_mobile.loaders import mobile_specs

        specs = mobile_specs(settings)
    values = [getattr(specs, f.name) for f in fields(specs)]  # type: ignore[arg-type]
    return [value for value in values if isinstance(value, EntitySpec)]


def _roots(bff: str) -> list[RootTemplate]:
    if bff == "web":
        from bff_web.loaders import ROOT_TEMPLATES

        return list(ROOT_TEMPLATES)
    from bff_mobile.loaders import FEED

    return [FEED]


def _extra(bff: str) -> list[tuple[str, str]]:
    """Whole operations a BFF sends outside the loaders: (piece name, operation text)."""
    if bff == "web":
        from bff_web.schema import PLACE_ORDER

        return [("PlaceOrder", PLACE_ORDER)]
    return []


def _signature(variables: Iterable[tuple[str, str]]) -> str:
    declared = ", ".join(f"${name}: {type_}" for name, type_ in variables)
    return f"({declared})" if declared else ""


def _operation(name: str, text: str) -> PersistedOperation:
    document = parse(text)
    definition = document.definitions[0]
    if len(document.definitions) != 1 or not isinstance(definition, OperationDefinitionNode):
        raise ValueError(f"{name}: expected exactly one operation")
    renamed = OperationDefinitionNode(  # e.g. BffPlaceOrder becomes BffWeb_PlaceOrder
        operation=definition.operation,
        name=NameNode(value=name),
        variable_definitions=definition.variable_definitions,
        directives=definition.directives,
        selection_set=definition.selection_set,
    )
    body = print_ast(DocumentNode(definitions=(renamed,)))
    return PersistedOperation(sha256_hex(body), name, definition.operation.value, body)


def build_router_manifest(target: RouterManifest) -> Manifest:
    """Every router operation of the BFF, one per piece, sorted by name."""
    operations = []
    for spec in _specs(target.bff):
        piece = spec.name.removeprefix(target.spec_prefix)
        text = (
            f"query {target.prefix}_{piece}($keys: {spec.argument_type})"
            f" {{ {spec.root_field}({spec.argument}: $keys) {{ {spec.selection} }} }}"
        )
        operations.append(_operation(f"{target.prefix}_{piece}", text))
    for root in _roots(target.bff):
        name = f"{target.prefix}_{root.name}"
        operations.append(
            _operation(name, f"query {name}{_signature(root.variables)} {{ {root.text} }}")
        )
    for piece, text in _extra(target.bff):
        operations.append(_operation(f"{target.prefix}_{piece}", text))
    names = [op.name for op in operations]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate router operation names in {target.bff}: {sorted(names)}")
    return Manifest(sorted(operations, key=lambda op: op.name))


def validate_manifest(manifest: Manifest, schema: GraphQLSchema) -> list[str]:
    """``name: error`` for each operation that does not validate against ``schema``."""
    return [
        f"{op.name}: {error.message}"
        for op in manifest.operations
        for error in validate(schema, parse(op.body))
    ]
