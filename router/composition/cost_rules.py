"""``@cost`` and ``@listSize`` placement rules (the cost spec, https://specs.apollo.dev/cost/v0.1).

As federation-internals validates them in each subgraph: ``@cost`` is not allowed on interface
fields (COST_APPLIED_TO_INTERFACE_FIELD); ``@listSize`` needs a list (LIST_SIZE_APPLIED_TO_NON_LIST),
a non-negative ``assumedSize`` (LIST_SIZE_INVALID_ASSUMED_SIZE), ``slicingArguments`` that are
``Int`` arguments of the field (LIST_SIZE_INVALID_SLICING_ARGUMENT) and ``sizedFields`` that are
list fields of the returned type (LIST_SIZE_INVALID_SIZED_FIELD).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, parse_value, value_from_ast_untyped

from router.composition.errors import CompositionError
from router.composition.fieldsets import base_type
from router.composition.model import Applied, SubField, Subgraph, SubType

__all__ = ["check_cost"]


def _arguments(applied: Applied) -> dict[str, Any]:
    if not applied.args:
        return {}
    try:
        value = value_from_ast_untyped(parse_value("{" + applied.args[1:-1] + "}"))
    except GraphQLError:
        return {}
    return value if isinstance(value, dict) else {}


def _is_list(type_string: str) -> bool:
    return type_string.rstrip("!").startswith("[")


def _list_size(
    subgraph: Subgraph, coordinate: str, sub_field: SubField, args: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    sized = args.get("sizedFields") or []
    if not sized and not _is_list(sub_field.type):
        yield "LIST_SIZE_APPLIED_TO_NON_LIST", f'"{coordinate}" is not a list'
    assumed = args.get("assumedSize")
    if isinstance(assumed, int) and assumed < 0:
        yield "LIST_SIZE_INVALID_ASSUMED_SIZE", f'Assumed size of "{coordinate}" cannot be negative'
    for name in args.get("slicingArguments") or []:
        argument = sub_field.args.get(name)
        if argument is None:
            yield (
                "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                f'Slicing argument "{name}" is not an argument of "{coordinate}"',
            )
        elif argument.type not in ("Int", "Int!"):
            yield (
                "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                f'Slicing argument "{coordinate}({name}:)" must be Int or Int!',
            )
    target = subgraph.types.get(base_type(sub_field.type))
    if sized and (target is None or target.kind not in ("OBJECT", "INTERFACE")):
        yield (
            "LIST_SIZE_INVALID_SIZED_FIELD",
            f'Sized fields cannot be used because "{sub_field.type}" is not a composite type',
        )
        return
    for name in sized:
        field = target.fields.get(name) if target else None
        if field is None:
            yield (
                "LIST_SIZE_INVALID_SIZED_FIELD",
                f'Sized field "{name}" is not a field on type "{base_type(sub_field.type)}"',
            )
        elif not _is_list(field.type):
            yield (
                "LIST_SIZE_APPLIED_TO_NON_LIST",
                f'Sized field "{base_type(sub_field.type)}.{name}" is not a list',
            )


def _field_problems(
    subgraph: Subgraph, sub_type: SubType, sub_field: SubField
) -> Iterator[tuple[str, str]]:
    coordinate = f"{sub_type.name}.{sub_field.name}"
    for applied in sub_field.applied:
        if applied.name == "cost" and sub_type.kind == "INTERFACE":
            yield (
                "COST_APPLIED_TO_INTERFACE_FIELD",
                f'@cost cannot be applied to interface "{coordinate}"',
            )
        elif applied.name == "listSize":
            yield from _list_size(subgraph, coordinate, sub_field, _arguments(applied))


def check_cost(subgraph: Subgraph) -> list[CompositionError]:
    """The cost-spec errors of one subgraph."""
    errors = []
    for sub_type in subgraph.types.values():
        if sub_type.kind not in ("OBJECT", "INTERFACE"):
            continue
        for sub_field in sub_type.fields.values():
            for code, message in _field_problems(subgraph, sub_type, sub_field):
                errors.append(
                    CompositionError(
                        code,
                        f"[{subgraph.name}] {message}",
                        (subgraph.name,),
                        f"{sub_type.name}.{sub_field.name}",
                    )
                )
    return errors
