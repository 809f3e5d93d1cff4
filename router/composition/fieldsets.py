"""Field sets: the ``fields`` argument of ``@key``, ``@requires`` and ``@provides``.

A field set is a selection set without its outer braces (federation spec, "scalar FieldSet"). It
is parsed with graphql-core and walked over the subgraph's own types: every selected field must
exist there, leaves must not have sub-selections and composite fields must have some.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from router.composition.model import SubField, Subgraph, SubType

__all__ = ["SelectedField", "base_type", "field_set_paths", "parse_field_set", "walk_field_set"]


def base_type(type_string: str) -> str:
    """``[User!]!`` -> ``User``."""
    return type_string.replace("[", "").replace("]", "").replace("!", "")


@dataclass(frozen=True)
class SelectedField:
    """A field a field set selects, with the type it was selected on."""

    parent: str
    name: str
    field: SubField | None
    node: FieldNode
    has_selection: bool
    under_external: bool = False


@lru_cache(maxsize=4096)
def parse_field_set(text: str) -> SelectionSetNode | str:
    """The selection set, or the syntax error message (cached: field sets repeat a lot)."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        return error.message
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode) or len(document.definitions) != 1:
        return "Invalid field set"
    return operation.selection_set


def _external_in_implementation(subgraph: Subgraph, parent: SubType | None, name: str) -> bool:
    """An interface field counts as external below it when one of its implementations in the
    subgraph has the field ``@external`` (interface fields cannot be marked; Apollo's
    ``validateFieldSetSelections``)."""
    if parent is None or parent.kind != "INTERFACE":
        return False
    for implementation in subgraph.types.values():
        if implementation.kind == "OBJECT" and parent.name in implementation.interfaces:
            implementation_field = implementation.fields.get(name)
            if implementation_field is not None and implementation_field.external:
                return True
    return False


def walk_field_set(
    subgraph: Subgraph,
    type_name: str,
    selection_set: SelectionSetNode,
    under_external: bool = False,
) -> Iterator[SelectedField | str]:
    """Each selected field, or an error message for what cannot be selected."""
    parent = subgraph.types.get(type_name)
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = (
                selection.type_condition.name.value if selection.type_condition else type_name
            )
            if condition not in subgraph.types:
                yield f'Unknown type "{condition}"'
                continue
            yield from walk_field_set(subgraph, condition, selection.selection_set, under_external)
            continue
        if not isinstance(selection, FieldNode):
            yield "Fragment spreads are not allowed in a field set"
            continue
        name = selection.name.value
        if name == "__typename":
            continue
        sub_field = parent.fields.get(name) if parent else None
        if sub_field is None:
            yield f'Cannot query field "{name}" on type "{type_name}"'
            continue
        yield SelectedField(
            type_name,
            name,
            sub_field,
            selection,
            selection.selection_set is not None,
            under_external,
        )
        target = subgraph.types.get(base_type(sub_field.type))
        is_composite = target is not None and target.kind in ("OBJECT", "INTERFACE", "UNION")
        if is_composite and selection.selection_set is None:
            yield (
                f'Field "{name}" of type "{sub_field.type}" must have a selection of subfields.'
                f' Did you mean "{name} {{ ... }}"?'
            )
        elif not is_composite and selection.selection_set is not None:
            yield (
                f'Field "{name}" must not have a selection since type "{sub_field.type}"'
                " has no subfields."
            )
        elif selection.selection_set is not None:
            yield from walk_field_set(
                subgraph,
                base_type(sub_field.type),
                selection.selection_set,
                under_external
                or sub_field.external
                or _external_in_implementation(subgraph, parent, name),
            )


def field_set_paths(subgraph: Subgraph, type_name: str, text: str) -> set[tuple[str, str]]:
    """The (type, field) coordinates a field set selects; invalid parts are skipped."""
    selection_set = parse_field_set(text)
    if isinstance(selection_set, str):
        return set()
    return {
        (item.parent, item.name)
        for item in walk_field_set(subgraph, type_name, selection_set)
        if isinstance(item, SelectedField)
    }
