"""Subgraph errors re-pathed into the client's response (GraphQL spec, "Errors" / "path").

A root fetch's error paths already use the client's response keys. An ``_entities`` error path
``["_entities", i, *rest]`` becomes the client path of every object that produced the i-th
representation, followed by ``rest``. Errors without a usable path are attached at the fetch's
Flatten path, with ``"@"`` for list items as Apollo Router does. Subgraph ``locations`` refer to
the subgraph's document and are dropped; ``extensions.service`` names the subgraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ClientPath", "entity_error", "entity_index", "root_error", "with_path"]

ClientPath = tuple[str | int, ...]


def _base(error: dict[str, Any], service: str) -> dict[str, Any]:
    extensions = error.get("extensions")
    merged = dict(extensions) if isinstance(extensions, dict) else {}
    merged.setdefault("service", service)
    return {"message": str(error.get("message", "")), "extensions": merged}


def with_path(error: dict[str, Any], path: Sequence[str | int] | None) -> dict[str, Any]:
    """Set ``error["path"]`` keeping the key order message, path, extensions."""
    if path is None:
        return error
    extensions = error.pop("extensions")
    error["path"] = list(path)
    error["extensions"] = extensions
    return error


def root_error(error: dict[str, Any], service: str) -> dict[str, Any]:
    """A root fetch error: its path is already a client path."""
    path = error.get("path")
    valid = isinstance(path, list) and all(isinstance(p, str | int) for p in path)
    return with_path(_base(error, service), path if valid and path else None)


def entity_index(error: dict[str, Any], count: int) -> int | None:
    """The representation index an ``["_entities", i, ...]`` error path names, if valid."""
    path = error.get("path")
    if (
        isinstance(path, list)
        and len(path) >= 2
        and path[0] == "_entities"
        and isinstance(path[1], int)
        and 0 <= path[1] < count
    ):
        return path[1]
    return None


def entity_error(
    error: dict[str, Any],
    service: str,
    flatten_path: Sequence[str],
    targets: Sequence[Sequence[dict[str, Any]]],
    client_paths: Callable[[dict[str, Any]], Sequence[ClientPath]],
) -> list[dict[str, Any]]:
    """An ``_entities`` error, once per client position of the objects the failing
    representation stands for (an object shared by several positions gets one per position)."""
    index = entity_index(error, len(targets))
    if index is not None:
        rest = [p for p in error["path"][2:] if isinstance(p, str | int)]
        out = []
        for obj in targets[index]:
            for prefix in client_paths(obj):
                out.append(with_path(_base(error, service), [*prefix, *rest]))
        if out:
            return out
    return [with_path(_base(error, service), list(flatten_path))]
