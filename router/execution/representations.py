"""Entity representations for an ``_entities`` fetch (Apollo Federation subgraph spec).

For each object at a Flatten path whose ``__typename`` matches a type condition of the fetch's
``requires`` selection, build ``{__typename, key fields..., @requires fields...}`` from the merged
data. An object missing a selected field, or whose key field is null, cannot be represented and
is skipped. Identical representations are sent once (told apart without serialising them
when their values are scalars); the results fan back out to every object that produced them.

:meth:`Representations.chunks` splits a long list for ``max_representations_per_fetch`` (issue
#18): each chunk is one ``_entities`` request with its own slice of targets, so a chunk's answer
(entities, ``_entities.<i>`` error paths) merges exactly as an unchunked answer would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
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

__all__ = ["FlatSelector", "Representations", "Selector", "build_representations", "selector"]

Selector = Callable[[dict[str, Any]], dict[str, Any] | None]
"""An object's representation (None: it cannot be represented)."""

_SCALARS = frozenset((str, int, type(None)))
"""Value types whose equality is the equality of their JSON text (``bool``, equal to ``1``,
and ``float``, ``-0.0 == 0.0``, are not): a tuple of them is an exact deduplication key."""


class _Missing(Exception):
    """A selected field is absent: the object cannot be represented."""


@dataclass(slots=True)
class Representations:
    """Unique representations and, per representation, the objects it stands for.

    ``encoded``: the representations as the request body encodes them (dicts, encoded once
    with the whole body, or already encoded ``orjson.Fragment``)."""

    encoded: list[Any]
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

    Two representations are the same when their JSON texts are: the key is the field names
    and values when every value is a string, an integer or null (no serialisation, and a
    duplicate builds nothing), the encoded text otherwise.
    """
    if select is None:
        select = selector(requires, matches)
    if isinstance(select, FlatSelector) and not rewrites:
        return _build_flat(objects, select, key_fields)
    index: dict[object, int] = {}
    result = Representations([], [])
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
        _add(index, result, representation, obj)
    return result


def _add(
    index: dict[object, int],
    result: Representations,
    representation: dict[str, Any],
    obj: dict[str, Any],
) -> None:
    values = tuple(representation.values())
    key: object = (
        (tuple(representation), values)
        if _SCALARS.issuperset(map(type, values))
        else orjson.dumps(representation)
    )
    _place(index, key, result, representation, obj)


def _place(
    index: dict[Any, int],
    key: object,
    result: Representations,
    representation: dict[str, Any],
    obj: dict[str, Any],
) -> None:
    """Add ``obj`` under ``key`` (a key the caller has checked: scalar values, or a text)."""
    position = index.get(key)
    if position is None:
        index[key] = _entry(key, len(result.encoded))
        result.encoded.append(representation)
        result.targets.append([obj])
    elif position != _SKIPPED:
        result.targets[_position(position)].append(obj)


_SKIPPED = -1
"""An index entry: a representation not sent (a null key field), nor its duplicates."""
_UNHASHABLE = -2 - (1 << 62)
"""Not an entry: the values of a lookup that cannot be hashed."""
_STRINGS = frozenset((str, type(None)))


def _entry(key: object, position: int) -> int:
    """An index entry for ``position``: negative (``-2 - position``) when the key holds an
    integer, which a bool or a float may equal; such a match is checked by its types."""
    if type(key) is tuple and not _STRINGS.issuperset(map(type, key)):
        return -2 - position
    return position


def _position(entry: int) -> int:
    return entry if entry >= 0 else -2 - entry


_NONE = -1
_GENERAL = -2


def _build_flat(
    objects: Sequence[dict[str, Any]],
    select: FlatSelector,
    key_fields: Mapping[str, frozenset[str]] | None,
) -> Representations:
    """:func:`build_representations` for flat selections without rewrites: an object whose
    type matches one fragment is keyed by that fragment's values (read in one call) in that
    fragment's index; other objects take the general path, keyed alike when they can be."""
    result = Representations([], [])
    encoded, targets = result.encoded, result.targets
    if len(set(map(id, objects))) != len(objects):  # objects reached through shared positions
        objects = list({id(obj): obj for obj in objects}.values())  # first occurrences, in order
    fragments = select.fragments
    by_names: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {}
    indexes = [by_names.setdefault(names, {}) for names, _ in fragments]  # one per field list
    general: dict[object, int] = {}
    matched: dict[object, int] = {}
    for obj in objects:
        typename = obj.get("__typename")
        try:
            fragment = matched[typename]
        except KeyError:
            fragment = matched[typename] = select.matching(typename)
        except TypeError:  # not a type name: the general path decides
            fragment = _GENERAL
        if fragment < 0:
            if fragment == _GENERAL:
                representation = select(obj)
                if representation and not (
                    key_fields
                    and None in representation.values()
                    and _null_key(representation, key_fields)
                ):
                    _add_general(by_names, general, result, representation=representation, obj=obj)
            continue  # no fragment applies: nothing to represent
        names, read = fragments[fragment]
        try:
            values = read(obj)
        except KeyError:
            continue  # a selected field is absent
        index = indexes[fragment]
        try:
            position = index.get(values)
        except TypeError:  # an object or a list
            position = _UNHASHABLE
        if position is not None:
            if position >= 0:  # the usual duplicate: its key holds no integer
                targets[position].append(obj)
                continue
            if position == _SKIPPED:
                continue
        # new, unhashable, or equal to a key holding an integer (True == 1 == 1.0): the types
        # decide; anything but str, int and null is keyed by its JSON text
        if position == _UNHASHABLE or not _SCALARS.issuperset(map(type, values)):
            representation = dict(zip(names, values, strict=True))
            if not (key_fields and None in values and _null_key(representation, key_fields)):
                _place(general, orjson.dumps(representation), result, representation, obj)
            continue
        if position is not None:
            targets[_position(position)].append(obj)
            continue
        representation = dict(zip(names, values, strict=True))
        if key_fields and None in values and _null_key(representation, key_fields):
            index[values] = _SKIPPED  # its duplicates are skipped as well
            continue
        index[values] = _entry(values, len(encoded))
        encoded.append(representation)
        targets.append([obj])
    return result


def _add_general(
    by_names: dict[tuple[str, ...], dict[tuple[Any, ...], int]],
    general: dict[object, int],
    result: Representations,
    *,
    representation: dict[str, Any],
    obj: dict[str, Any],
) -> None:
    """A representation built field by field (several fragments applied), keyed so that it
    meets an equal one of the fast path: same names as a fragment, scalar values."""
    values = tuple(representation.values())
    if not _SCALARS.issuperset(map(type, values)):
        _place(general, orjson.dumps(representation), result, representation, obj)
        return
    names = tuple(representation)
    index = by_names.get(names)
    if index is not None:
        _place(index, values, result, representation, obj)
    else:
        _place(general, (names, values), result, representation, obj)


def _null_key(representation: dict[str, Any], key_fields: Mapping[str, frozenset[str]]) -> bool:
    names = key_fields.get(representation.get("__typename"))  # type: ignore[arg-type]
    return bool(names) and any(
        name in representation and representation[name] is None for name in names or ()
    )


class FlatSelector:
    """The usual ``... on T { __typename key... }`` of flat fields: per fragment, its field
    names and a reader of their values (``operator.itemgetter``: one C call per object)."""

    __slots__ = ("_conditions", "_matches", "fragments")

    def __init__(self, flat: Sequence[tuple[str, tuple[str, ...]]], matches: Matcher) -> None:
        self._conditions = tuple(condition for condition, _ in flat)
        self._matches = matches
        self.fragments = tuple((names, _reader(names)) for _, names in flat)

    def matching(self, typename: object) -> int:
        """The one fragment whose type condition ``typename`` satisfies, ``-1`` for none,
        ``-2`` for several (their fields are merged by :meth:`__call__`)."""
        found = [
            i for i, condition in enumerate(self._conditions) if self._matches(typename, condition)
        ]
        return found[0] if len(found) == 1 else _GENERAL if found else _NONE

    def __call__(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        typename = obj.get("__typename")
        out: dict[str, Any] = {}
        for condition, (names, _) in zip(self._conditions, self.fragments, strict=True):
            if self._matches(typename, condition):
                for name in names:
                    if name not in obj:
                        return None
                    out[name] = obj[name]
        return out


def _reader(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of ``names`` as a tuple (``KeyError`` when one is absent)."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda obj: (obj[name],)
    return lambda obj: ()


def selector(requires: Sequence[RequiresSelection], matches: Matcher) -> Selector:
    """The representation builder for one ``requires`` shape: a :class:`FlatSelector` for the
    usual ``... on T { __typename key... }`` of flat fields, the general walk otherwise."""
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
        return FlatSelector(flat, matches)

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
