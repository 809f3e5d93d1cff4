"""Cache keys and invalidation tags (Apollo Router's response cache layout, simplified).

An entry is a subgraph answer: a root fetch (type ``Query``) keyed by its whole request body, or
one entity of an ``_entities`` fetch keyed by its type, its representation and the rest of the
request (operation, other variables). A PRIVATE answer's key ends with a hash of the verified
subject, so it is never served to another caller. Tags, coarsest to finest as in Apollo Router's
CDN labels: ``subgraph-{name}``, ``type-{subgraph}-{type}``, ``entity-{subgraph}-{type}-{hash}``
(the hash of the entity's key fields, canonical JSON)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["digest", "entity_key_hash", "entity_tag", "root_tags", "subgraph_tag", "type_tag"]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def entity_key_hash(key: Mapping[str, Any]) -> str:
    """The hash of an entity's key fields (``__typename`` excluded)."""
    return digest(canonical({k: v for k, v in key.items() if k != "__typename"}))[:32]


def subgraph_tag(subgraph: str) -> str:
    return f"subgraph-{subgraph}"


def type_tag(subgraph: str, type_name: str) -> str:
    return f"type-{subgraph}-{type_name}"


def entity_tag(subgraph: str, type_name: str, key: Mapping[str, Any]) -> str:
    return f"entity-{subgraph}-{type_name}-{entity_key_hash(key)}"


def root_tags(subgraph: str) -> tuple[str, str]:
    """A root answer may embed any entity without its key: it carries the ``Query`` type tag,
    which every entity invalidation of the subgraph drops too."""
    return subgraph_tag(subgraph), type_tag(subgraph, "Query")
