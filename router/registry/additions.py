"""The safe side of a schema change: the types and output fields a change adds. graphql-core
reports only breaking and dangerous changes (every other addition, such as an argument, an enum
value, a union member or an input field, is one of those); a registry check lists the safe ones
too, as GraphOS and Hive do, so a reviewer sees the whole change."""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema

__all__ = ["find_additions"]


def _fields(type_: GraphQLNamedType) -> set[str]:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        return set(type_.fields)
    return set()


def find_additions(old: GraphQLSchema, new: GraphQLSchema) -> list[tuple[str, str]]:
    """``(kind, schema coordinate)`` for each type (``TYPE_ADDED``) and each field of an existing
    object or interface type (``FIELD_ADDED``) that ``new`` has and ``old`` has not."""
    additions: list[tuple[str, str]] = []
    for name, type_ in new.type_map.items():
        if name.startswith("__"):
            continue
        previous = old.type_map.get(name)
        if previous is None:
            additions.append(("TYPE_ADDED", name))
            continue
        for field in sorted(_fields(type_) - _fields(previous)):
            additions.append(("FIELD_ADDED", f"{name}.{field}"))
    return sorted(additions, key=lambda item: item[1])
