"""Apollo persisted query manifests: read, validate, load from a file or a URL.

The format (Apollo's ``generate-persisted-query-manifest`` and Rover write it; GraphOS persisted
query lists export it): ``{"format": "apollo-persisted-query-manifest", "version": 1,
"operations": [{"id", "name", "type", "body"}]}``; ``type`` is ``query``, ``mutation`` or
``subscription``; ids are unique in a manifest (Apollo uses the body's SHA-256, but any string
is an id, as GraphQL-over-HTTP's ``documentId`` allows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "MANIFEST_FORMAT",
    "Manifest",
    "ManifestError",
    "TrustedOperation",
    "load_manifest",
    "parse_manifest",
    "sha256_hex",
]

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_TYPES = ("query", "mutation", "subscription")


class ManifestError(ValueError):
    """A manifest that cannot be read or is not in Apollo's format (names the source)."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TrustedOperation:
    id: str
    name: str
    type: str
    body: str
    source: str
    """The manifest file or URL it came from."""


@dataclass(frozen=True, slots=True)
class Manifest:
    source: str
    operations: tuple[TrustedOperation, ...]

    def by_id(self) -> dict[str, TrustedOperation]:
        return {operation.id: operation for operation in self.operations}


def _operation(entry: Any, source: str, index: int) -> TrustedOperation:
    if not isinstance(entry, dict):
        raise ManifestError(f"{source}: operations[{index}] is not an object")
    for key in ("id", "body", "type"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ManifestError(f"{source}: operations[{index}].{key} must be a non-empty string")
    if entry["type"] not in _TYPES:
        raise ManifestError(f"{source}: operations[{index}].type must be one of {_TYPES}")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise ManifestError(f"{source}: operations[{index}].name must be a string")
    return TrustedOperation(entry["id"], name or "", entry["type"], entry["body"], source)


def parse_manifest(text: str | bytes, source: str) -> Manifest:
    """Validate one manifest's JSON text."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ManifestError(f"{source}: not JSON ({error})") from error
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{source}: not an {MANIFEST_FORMAT}")
    if document.get("version") != 1:
        raise ManifestError(f"{source}: unsupported manifest version {document.get('version')!r}")
    entries = document.get("operations")
    if not isinstance(entries, list):
        raise ManifestError(f"{source}: 'operations' must be a list")
    operations = tuple(_operation(entry, source, i) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for operation in operations:
        if operation.id in seen:
            raise ManifestError(f"{source}: duplicate id {operation.id}")
        seen.add(operation.id)
    return Manifest(source, operations)


def load_manifest(source: str, *, timeout_seconds: float = 10.0) -> Manifest:
    """A manifest from a file path or an ``http(s)`` URL (read once)."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=timeout_seconds, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise ManifestError(f"{source}: {type(error).__name__}: {error}") from error
        return parse_manifest(response.content, source)
    try:
        text = Path(source).read_text()
    except OSError as error:
        raise ManifestError(f"{source}: {error.strerror or error}") from error
    return parse_manifest(text, source)
