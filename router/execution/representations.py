"""Entity representations for an ``_entities`` fetch (Apollo Federation subgraph spec).

For each object at a Flatten path whose ``__typename`` matches a type condition of the fetch's
``requires`` selection, build ``{__typename, key fields..., @requires fields...}`` from the merged
data. An object missing a selected field, or whose key field is null, cannot be represented and
is skipped. Identical
representations are sent once; the results fan back out to every object that produced them.

:meth:`Representations.chunks` splits a long list for ``max_representations_per_fetch`` (issue
#18): each chunk is one ``_entities`` request with its own slice of targets, so a chunk's answer
(entities, ``_entities.<i>`` error paths) merges exactly as an unchunked answer would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from router.execution.merge import apply_rewrites
from router.execution.paths import Matcher
from router.planning.plan import (
    FetchRewrite,
    RequiresField,
    RequiresInlineFragment,
    RequiresSelection,
)

__all__ = ["Representations", "Selector", "build_representations", "selector"]

Selector = Callable[[dict[str, Any]], dict[str, Any] | None]
"""An object's representation (None: it cannot be represented)."""


class _Missing(Exception):
    """A selected field is absent: the object cannot be represented."""


@dataclass(slots=True)
class Representations:
    """Unique representations (serialized once) and, per representation, the objects it stands for."""

    encoded: list[orjson.Fragment]
    targets: list[list[dict[str, Any]]]

    def __len__(self) -> int:
        return len(self.encoded)

    def chunks(self, size: int | None) -> list[Representations]:
        """Consecutive slices of at most ``size`` representations, in order (``None``: this)."""
        if size is None or len(self.encoded) <= size:
            return [self]
        return [
            Representations(self.encoded[start : start + size], self.targets[start : start + size])
            for start in range(0, len(self.encoded), size)
        ]


def build_representations(
    objects: Sequence[dict[str, Any]],
    requires: Sequence[RequiresSelection],
    rewrites: Sequence[FetchRewrite],
    matches: Matcher,
    key_fields: Mapping[str, frozenset[str]] | None = None,
    *,
    select: Selector | None = None,
) -> Representations:
    """Deduplicated representations of ``objects`` for one ``_entities`` request.

    ``key_fields`` maps a type name to its key fields in the target subgraph: a representation
    whose key field is null is not sent (the subgraph cannot resolve it; the fields stay null).
    ``select``: ``selector(requires, matches)`` when the caller keeps one per fetch.
    """
    index: dict[bytes, int] = {}
    result = Representations([], [])
    if select is None:
        select = selector(requires, matches)
    seen: set[int] = set()
    for obj in objects:
        if id(obj) in seen:
            continue  # one object reached through several shared positions
        seen.add(id(obj))
        representation = select(obj)
        if not representation:
            continue
        if rewrites:
            apply_rewrites(representation, rewrites, matches)
        if key_fields and None in representation.values() and _null_key(representation, key_fields):
            continue
        encoded = orjson.dumps(representation)
        position = index.get(encoded)
        if position is None:
            index[encoded] = len(result.encoded)
            result.encoded.append(orjson.Fragment(encoded))
            result.targets.append([obj])
        else:
            result.targets[position].append(obj)
    return result


def _null_key(representation: dict[str, Any], key_fields: Mapping[str, frozenset[str]]) -> bool:
    names = key_fields.get(representation.get("__typename"))  # type: ignore[arg-type]
    return bool(names) and any(
        name in representation and representation[name] is None for name in names or ()
    )


def selector(requires: Sequence[RequiresSelection], matches: Matcher) -> Selector:
    """The representation builder for one ``requires`` shape: a fast path for the usual
    ``... on T { __typename key... }`` of flat fields, the general walk otherwise."""
    flat: list[tuple[str, tuple[str, ...]]] = []
    for selection in requires:
        if not isinstance(selection, RequiresInlineFragment):
            break
        names = [s.name for s in selection.selections if isinstance(s, RequiresField)]
        if len(names) != len(selection.selections) or any(
            isinstance(s, RequiresField) and s.selections for s in selection.selections
        ):
            break
        flat.append((selection.type_condition, tuple(names)))
    else:

        def select_flat(obj: dict[str, Any]) -> dict[str, Any] | None:
            typename = obj.get("__typename")
            out: dict[str, Any] = {}
            for condition, names in flat:
                if matches(typename, condition):
                    for name in names:
                        if name not in obj:
                            return None
                        out[name] = obj[name]
            return out

        return select_flat

    def select_general(obj: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return _select(obj, requires, matches)
        except _Missing:
            return None

    return select_general


def _select(
    obj: dict[str, Any], selections: Sequence[RequiresSelection], matches: Matcher
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for selection in selections:
        match selection:
            case RequiresInlineFragment(type_condition=condition, selections=inner):
                if matches(obj.get("__typename"), condition):
                    out.update(_select(obj, inner, matches))
            case RequiresField(name=name, selections=inner):
                if name not in obj:
                    raise _Missing(name)
                value = obj[name]
                out[name] = _select_value(value, inner, matches) if inner else value
    return out


def _select_value(value: Any, selections: Sequence[RequiresSelection], matches: Matcher) -> Any:
    if isinstance(value, list):
        return [_select_value(item, selections, matches) for item in value]
    if isinstance(value, dict):
        return _select(value, selections, matches)
    return value
