"""Persisted operations (Apollo's persisted query manifests) and what a schema change breaks.

Reads ``schema/persisted/*.json`` in the ``apollo-persisted-query-manifest`` format. An operation
is broken by a change when it validates against the registered API schema but not against the
new one; the coordinates it uses (``Type``, ``Type.field``, ``Type.field(arg:)``) attribute it
to the breaking changes that name them.

Router manifests (``*.router.json``, written by ``bff-manifest``: what the BFFs send the router)
target this schema by definition, so each of their operations must validate against the new one.
Client manifests (the others) may target a BFF's schema: their operations that do not validate
against the registered schema are left out and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)

__all__ = [
    "ROUTER_MANIFEST_SUFFIX",
    "BrokenOperation",
    "PersistedOperation",
    "broken_operations",
    "invalid_operations",
    "load_operations",
    "used_coordinates",
]


ROUTER_MANIFEST_SUFFIX = ".router.json"


@dataclass(frozen=True)
class PersistedOperation:
    """One operation of a manifest."""

    id: str
    name: str
    type: str
    body: str
    manifest: str

    @property
    def targets_router(self) -> bool:
        return self.manifest.endswith(ROUTER_MANIFEST_SUFFIX)


@dataclass
class BrokenOperation:
    operation: PersistedOperation
    errors: list[str] = field(default_factory=list)
    coordinates: set[str] = field(default_factory=set)


def load_operations(directory: Path) -> list[PersistedOperation]:
    """Every operation of every manifest in ``directory`` (sorted by file name)."""
    from router.registry.sources import InputError

    operations = []
    for path in sorted(directory.glob("*.json")):
        try:
            manifest = json.loads(path.read_text())
            if manifest.get("format") != "apollo-persisted-query-manifest":
                raise InputError(f"{path}: not an apollo-persisted-query-manifest")
            for entry in manifest["operations"]:
                operations.append(
                    PersistedOperation(
                        entry["id"], entry["name"], entry["type"], entry["body"], path.name
                    )
                )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: {error}") from error
    return operations


class _Coordinates(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()
        self.fields: list[str] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields.append(node.name.value)
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.found.add(parent.name)
            self.found.add(f"{parent.name}.{node.name.value}")
        field_type = self.type_info.get_type()
        if field_type is not None:
            self.found.add(get_named_type(field_type).name)

    def leave_field(self, *_: object) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None and self.fields and self.type_info.get_directive() is None:
            self.found.add(f"{parent.name}.{self.fields[-1]}({node.name.value}:)")
        argument = self.type_info.get_argument()
        if argument is not None:
            self.found.add(get_named_type(argument.type).name)


def used_coordinates(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    """Types, fields and arguments an operation uses, by schema coordinate."""
    type_info = TypeInfo(schema)
    collector = _Coordinates(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    return collector.found


def _errors(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """graphql-core's rules, plus the spec's "Operation Type Existence" (graphql-js 17's
    KnownOperationTypesRule), which graphql-core 3.2 lacks: without it a subscription validates
    against a schema with no Subscription type, and the registry took the subscriptions of the
    persisted manifests for broken while the subgraph defining their root field was not yet
    published."""
    missing = [
        GraphQLError(
            f"The {definition.operation.value} operation is not supported by the schema.",
            definition,
        )
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        and schema.get_root_type(definition.operation) is None
    ]
    return missing or list(validate(schema, document))


def broken_operations(
    operations: list[PersistedOperation],
    old: GraphQLSchema,
    new: GraphQLSchema,
    *,
    only_previously_valid: bool = False,
) -> tuple[list[BrokenOperation], int]:
    """Operations broken on ``new``; and how many client operations do not target ``old``.

    A router-manifest operation is broken when it does not validate against ``new``; a client
    one when it validates against ``old`` but not against ``new``. ``only_previously_valid``
    judges router-manifest operations like client ones (the registry service, whose registered
    supergraph may not have every subgraph yet).
    """
    broken, foreign = [], 0
    for operation in operations:
        try:
            document = parse(operation.body)
        except GraphQLError as error:
            if operation.targets_router:
                broken.append(BrokenOperation(operation, [error.message]))
            else:
                foreign += 1
            continue
        judged_on_old = only_previously_valid or not operation.targets_router
        if judged_on_old and _errors(old, document):
            foreign += 1
            continue
        errors = _errors(new, document)
        if errors:
            broken.append(
                BrokenOperation(
                    operation, [e.message for e in errors], used_coordinates(old, document)
                )
            )
    return broken, foreign


def invalid_operations(
    operations: list[PersistedOperation], schema: GraphQLSchema, before: GraphQLSchema
) -> list[BrokenOperation]:
    """Operations that do not validate against ``schema`` (their coordinates read on ``before``)."""
    invalid = []
    for operation in operations:
        try:
            document = parse(operation.body)
        except GraphQLError as error:
            invalid.append(BrokenOperation(operation, [error.message]))
            continue
        errors = _errors(schema, document)
        if errors:
            coordinates = used_coordinates(before, document)
            invalid.append(BrokenOperation(operation, [e.message for e in errors], coordinates))
    return invalid
