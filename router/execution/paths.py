"""Walk a Flatten path over the merged response tree.

Implements the path semantics of Apollo's query plans: a response key descends into a field,
``"@"`` descends into every item of a list and ``"... on T"`` keeps the objects whose
``__typename`` is ``T`` or one of ``T``'s possible types (interfaces and unions of the API schema).
Client paths (for re-pathing errors) are the walked keys and list indices, without type conditions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, cast

from graphql import (
    GraphQLAbstractType,
    GraphQLObjectType,
    GraphQLSchema,
    is_abstract_type,
    is_object_type,
)

__all__ = ["TypeMatcher", "collect_objects", "collect_paths", "display_path", "is_covered"]

_FRAGMENT_PREFIX = "... on "
_DICTS = frozenset((dict,))


def _possible_types(
    schema: GraphQLSchema, abstract: GraphQLAbstractType
) -> Collection[GraphQLObjectType]:
    """``schema.get_possible_types``, typed as what it returns: annotated ``list``, it answers a
    tuple for a union, which a mypyc build (router/native.py) checks and refuses when called
    through its annotation."""
    found: Collection[GraphQLObjectType] = cast(Any, schema).get_possible_types(abstract)
    return found


class TypeMatcher:
    """Answers "is runtime type ``name`` within type condition ``condition``?" from the API schema."""

    __slots__ = ("_objects", "_possible")

    def __init__(self, schema: GraphQLSchema | None = None) -> None:
        self._possible: dict[str, frozenset[str]] = {}
        self._objects: frozenset[str] = frozenset()
        if schema is None:
            return
        self._objects = frozenset(
            name for name, named in schema.type_map.items() if is_object_type(named)
        )
        for name, named in schema.type_map.items():
            if is_abstract_type(named):
                types = _possible_types(schema, named)  # type: ignore[arg-type]
                self._possible[name] = frozenset(t.name for t in types)

    def is_object(self, name: object) -> bool:
        """Whether ``name`` is a concrete (object) type of the schema."""
        return name in self._objects

    def __call__(self, name: object, condition: str) -> bool:
        if name is None:
            return True  # a concrete-typed position: the planner needs no __typename there
        if name == condition:
            return True
        possible = self._possible.get(condition)
        return possible is not None and name in possible


Matcher = Callable[[object, str], bool]


def _flatten_lists(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    stack = list(reversed(values))
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif value is not None:
            out.append(value)
    return out


def collect_objects(data: Any, path: Sequence[str], matches: Matcher) -> list[dict[str, Any]]:
    """Every object at ``path``, in document order (lists at the end are flattened)."""
    current: list[Any] = [data]
    for element in path:
        following: list[Any] = []
        if element == "@":
            following = [
                v for value in current if isinstance(value, list) for v in value if v is not None
            ]
        elif element.startswith(_FRAGMENT_PREFIX):
            condition = element[len(_FRAGMENT_PREFIX) :]
            following = [
                v
                for v in current
                if isinstance(v, dict) and matches(v.get("__typename"), condition)
            ]
        else:
            following = [
                child
                for value in current
                if type(value) is dict and (child := value.get(element)) is not None
            ]
        current = following
    if _DICTS.issuperset(map(type, current)):  # the usual end: objects, no nested lists
        return current
    return [v for v in _flatten_lists(current) if isinstance(v, dict)]


def collect_paths(
    data: Any, path: Sequence[str], matches: Matcher
) -> dict[int, list[tuple[str | int, ...]]]:
    """The client paths of every object at ``path``, keyed by ``id(object)`` (an object merged
    from one entity answer into several positions has several)."""
    current: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    for element in path:
        following: list[tuple[Any, tuple[str | int, ...]]] = []
        if element == "@":
            for value, at in current:
                if isinstance(value, list):
                    following.extend((v, (*at, i)) for i, v in enumerate(value) if v is not None)
        elif element.startswith(_FRAGMENT_PREFIX):
            condition = element[len(_FRAGMENT_PREFIX) :]
            following = [
                (v, at)
                for v, at in current
                if isinstance(v, dict) and matches(v.get("__typename"), condition)
            ]
        else:
            for value, at in current:
                if isinstance(value, dict) and value.get(element) is not None:
                    following.append((value[element], (*at, element)))
        current = following
    paths: dict[int, list[tuple[str | int, ...]]] = {}
    _index_paths(current, paths)
    return paths


def _index_paths(
    found: list[tuple[Any, tuple[str | int, ...]]], paths: dict[int, list[tuple[str | int, ...]]]
) -> None:
    for value, at in found:
        if isinstance(value, list):
            _index_paths([(v, (*at, i)) for i, v in enumerate(value)], paths)
        elif isinstance(value, dict):
            paths.setdefault(id(value), []).append(at)


def display_path(path: Sequence[str]) -> list[str]:
    """A Flatten path as shown in errors: keys and ``"@"``, type conditions dropped (Apollo)."""
    return [element for element in path if not element.startswith(_FRAGMENT_PREFIX)]


def is_covered(covered: Sequence[Sequence[str | int]], path: Sequence[str | int]) -> bool:
    """Whether an error already covers ``path`` (one path is a prefix of the other; "@" = any)."""
    return any(all(o in (p, "@") for o, p in zip(other, path, strict=False)) for other in covered)
