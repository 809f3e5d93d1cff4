"""Checks every ``_entities`` representation before the library sees it, the same way for
Strawberry and Ariadne (Apollo subgraph spec, "Resolve requests for entities").

A representation must be an object whose ``__typename`` names an entity this subgraph resolves
(a ``@key`` that is not ``resolvable: false``) and that carries the fields of one of its keys.
A bad one becomes a ``BAD_USER_INPUT`` error at its own index (``_entities[i]`` is null), never
a failure of the whole list nor a library's internal error text (Strawberry answers ``'Nope'``
for an unknown type and fails the list; Ariadne raises ``TypeError`` for the list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from inspect import isawaitable
from typing import Any

from graphql import (
    BooleanValueNode,
    GraphQLError,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    parse,
)

from subgraphs.common import telemetry

__all__ = ["entity_keys", "guard_entities", "representation_problem"]

BAD_USER_INPUT = "BAD_USER_INPUT"


def _top_level_fields(field_set: str) -> frozenset[str]:
    """``"id"`` or ``"upc sku"`` or ``"id org { id }"``: the fields outside any braces."""
    depth, names = 0, []
    for token in field_set.replace("{", " { ").replace("}", " } ").split():
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(token)
    return frozenset(names)


def entity_keys(sdl: str) -> dict[str, list[frozenset[str]]]:
    """Entity type -> the top-level fields of each resolvable ``@key`` in ``sdl``."""
    keys: dict[str, list[frozenset[str]]] = {}
    for definition in parse(sdl).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "key":
                continue
            arguments = {a.name.value: a.value for a in directive.arguments or ()}
            resolvable = arguments.get("resolvable")
            if isinstance(resolvable, BooleanValueNode) and not resolvable.value:
                continue
            fields = arguments.get("fields")
            if isinstance(fields, StringValueNode):
                keys.setdefault(definition.name.value, []).append(_top_level_fields(fields.value))
    return keys


def representation_problem(
    representation: object, keys: Mapping[str, Sequence[frozenset[str]]]
) -> str | None:
    """Why ``representation`` cannot be resolved here (``None`` when it can)."""
    if not isinstance(representation, dict):
        return "a representation must be an object with __typename and key fields"
    typename = representation.get("__typename")
    if not isinstance(typename, str):
        return "a representation needs a __typename string"
    if typename not in keys:
        return f"{typename} is not an entity this subgraph resolves"
    if not any(key <= representation.keys() for key in keys[typename]):
        wanted = " or ".join(" ".join(sorted(key)) for key in keys[typename])
        return f"{typename} representation lacks its key fields ({wanted})"
    return None


def guard_entities(schema: GraphQLSchema, sdl: str) -> None:
    """Wrap ``Query._entities`` of the executable ``schema`` with the checks above."""
    query = schema.query_type
    field = query.fields.get("_entities") if query else None
    if field is None or field.resolve is None:
        return
    resolve_valid = field.resolve
    keys = entity_keys(sdl)

    def resolve(root: Any, info: Any, representations: list[Any]) -> Any:
        answers: list[Any] = [None] * len(representations)
        valid_at: list[int] = []
        for index, representation in enumerate(representations):
            problem = representation_problem(representation, keys)
            if problem:
                answers[index] = GraphQLError(problem, extensions={"code": BAD_USER_INPUT})
            else:
                valid_at.append(index)
        valid = [representations[i] for i in valid_at]
        telemetry.entities_batch(len(representations))  # issue #13: batch size, span
        with telemetry.entities_span(len(valid)):
            resolved = resolve_valid(root, info, representations=valid) if valid else []

        def merge(items: Sequence[Any]) -> list[Any]:
            for index, item in zip(valid_at, items, strict=True):
                answers[index] = item
            return answers

        if isawaitable(resolved):

            async def merged() -> list[Any]:
                return merge(await resolved)

            return merged()
        return merge(resolved)

    field.resolve = resolve
