"""The router operations each BFF can send, as persisted-query manifests the registry checks.

Each BFF writes its router traffic once, as a parsed document of named pieces
(``bff_web.operations.DOCUMENT``): entity selections, root field calls and the web ``placeOrder``
mutation. The loaders alias them into one ``BffStep`` per execution step
(:mod:`bff.step_document`); here each piece becomes one manifest operation (Apollo's manifest
format, ``schema/persisted/bff-<client>.router.json``), which ``schema check`` validates against
the supergraph's API schema, so a change that breaks a field a BFF uses fails and names the piece.
The document is passed in: this package never imports a BFF.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
)

from bff.persisted import Manifest, PersistedOperation, sha256_hex

__all__ = ["build_router_manifest", "validate_manifest"]


def _operation(definition: OperationDefinitionNode) -> PersistedOperation:
    if definition.name is None:
        raise ValueError("every router operation of a BFF needs a name")
    body = print_ast(DocumentNode(definitions=(definition,)))
    return PersistedOperation(
        sha256_hex(body), definition.name.value, definition.operation.value, body
    )


def build_router_manifest(document: DocumentNode) -> Manifest:
    """Every router operation of a BFF's document, one per piece, sorted by name."""
    operations = [
        _operation(d) for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    if len(operations) != len(document.definitions):
        raise ValueError("a BFF's router document holds operations only")
    names = [op.name for op in operations]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate router operation names: {sorted(names)}")
    return Manifest(sorted(operations, key=lambda op: op.name))


def validate_manifest(manifest: Manifest, schema: GraphQLSchema) -> list[str]:
    """``name: error`` for each operation that does not validate against ``schema``."""
    return [
        f"{op.name}: {error.message}"
        for op in manifest.operations
        for error in validate(schema, parse(op.body))
    ]
