"""Keep each fetch valid where sibling fragments select one response key with different types.

The spec's *FieldsInSetCanMerge* rule requires fields sharing a response key in fragments on
different object types to have the same response shape (``ID`` and ``ID!`` do not). The client
operation satisfies it against the API schema, but a subgraph may type a field differently
(``@join__field(type:)``). As Apollo's planner does, the later field gets an alias
``<key>__alias_<n>`` and the fetch an output ``KeyRenamer`` back to the client's key.
"""

from __future__ import annotations

from router.planning.plan import KeyRenamer
from router.planning.selection import FieldEntry, SelectionBuffer

__all__ = ["dealias"]

Level = list[tuple[SelectionBuffer, tuple[str, ...]]]


def _fields(level: Level) -> list[tuple[FieldEntry, tuple[str, ...]]]:
    """Every field merged at one response position, with its path inside the fetch."""
    found: list[tuple[FieldEntry, tuple[str, ...]]] = []
    for buf, path in level:
        for entry in buf.entries.values():
            if isinstance(entry, FieldEntry):
                found.append((entry, path))
            else:
                inner = (*path, f"... on {entry.type_condition}") if entry.type_condition else path
                found.extend(_fields([(entry.sub, inner)]))
    return found


def dealias(buf: SelectionBuffer, counter: list[int] | None = None) -> list[KeyRenamer]:
    """Alias conflicting fields in ``buf`` (in place); the output rewrites that undo it."""
    counter = counter if counter is not None else [0]
    return _level([(buf, ())], counter)


def _level(level: Level, counter: list[int]) -> list[KeyRenamer]:
    rewrites: list[KeyRenamer] = []
    shapes: dict[str, str] = {}
    merged: dict[str, Level] = {}
    for entry, path in _fields(level):
        key = entry.alias or entry.name
        shape = shapes.setdefault(key, entry.type_ref)
        if entry.type_ref and shape and entry.type_ref != shape:
            alias = f"{key}__alias_{counter[0]}"
            counter[0] += 1
            entry.alias = alias
            rewrites.append(KeyRenamer((*path, alias), key))
            key = alias
        if entry.sub is not None:
            merged.setdefault(key, []).append((entry.sub, (*path, key)))
    for sublevel in merged.values():
        rewrites.extend(_level(sublevel, counter))
    return rewrites
