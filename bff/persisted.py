"""Persisted operations: Apollo's manifest format, built from the client documents each app ships.

A manifest (``schema/persisted/<client>.json``) is
``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [...]}``; each
operation has ``id`` (sha256 of ``body``), ``name``, ``type`` and ``body`` (the operation printed
with the fragments it uses, sorted by name). Clients send the id as
``extensions.persistedQuery.sha256Hash`` (APQ's field) or as a document ``id``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
)
from graphql.language import Visitor, visit

__all__ = [
    "MANIFEST_FORMAT",
    "Manifest",
    "PersistedOperation",
    "build_manifest",
    "read_documents",
    "sha256_hex",
]

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PersistedOperation:
    id: str
    name: str
    type: str
    body: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "type": self.type, "body": self.body}


class Manifest:
    """A loaded manifest, indexed by id."""

    def __init__(self, operations: Iterable[PersistedOperation]) -> None:
        self.operations = tuple(operations)
        self._by_id = {op.id: op for op in self.operations}

    def get(self, operation_id: str) -> PersistedOperation | None:
        return self._by_id.get(operation_id)

    def __len__(self) -> int:
        return len(self.operations)

    def to_json_bytes(self) -> bytes:
        document = {
            "format": MANIFEST_FORMAT,
            "version": 1,
            "operations": [op.to_json() for op in self.operations],
        }
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"

    @classmethod
    def from_json(cls, raw: bytes | str) -> Manifest:
        document = orjson.loads(raw)
        if document.get("format") != MANIFEST_FORMAT or document.get("version") != 1:
            raise ValueError(f"not an {MANIFEST_FORMAT} version 1")
        return cls(PersistedOperation(**op) for op in document["operations"])

    @classmethod
    def load(cls, path: Path) -> Manifest:
        return cls.from_json(path.read_bytes())


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _spreads(node: Node) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def _used_fragments(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    seen: set[str] = set()
    pending = sorted(_spreads(operation))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in fragments:
            raise ValueError(
                f"operation {operation.name.value if operation.name else '?'} "
                f"uses unknown fragment {name}"
            )
        seen.add(name)
        pending.extend(_spreads(fragments[name]) - seen)
    return [fragments[name] for name in sorted(seen)]


def read_documents(folder: Path) -> DocumentNode:
    """All ``*.graphql`` files of a client folder as one document (sorted by path)."""
    sources = [path.read_text() for path in sorted(folder.rglob("*.graphql"))]
    if not sources:
        raise ValueError(f"no .graphql documents under {folder}")
    return parse("\n".join(sources))


def build_manifest(document: DocumentNode, schema: GraphQLSchema | None = None) -> Manifest:
    """One manifest entry per named operation; validated against ``schema`` when given."""
    if schema is not None:
        errors = validate(schema, document)
        if errors:
            raise ValueError("client documents do not validate: " + "; ".join(map(str, errors)))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations: list[PersistedOperation] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.name is None:
            raise ValueError("every client operation needs a name")
        parts: Iterable[Node] = [definition, *_used_fragments(definition, fragments)]
        body = "\n\n".join(print_ast(part) for part in parts)
        operations.append(
            PersistedOperation(
                id=sha256_hex(body),
                name=definition.name.value,
                type=definition.operation.value,
                body=body,
            )
        )
    operations.sort(key=lambda op: op.name)
    return Manifest(operations)
