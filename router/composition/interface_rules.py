"""Interfaces and ``@interfaceObject``: the rules Apollo checks on them.

In a subgraph: an interface ``@key`` must be on every implementation
(INTERFACE_KEY_NOT_ON_IMPLEMENTATION), ``@external`` is nonsensical on interface fields
(EXTERNAL_ON_INTERFACE),
``@shareable`` only applies to object fields (INVALID_SHAREABLE_USAGE), ``@interfaceObject``
needs a ``@key`` (INTERFACE_OBJECT_USAGE_ERROR). Across subgraphs: some subgraph must define
the real interface, and a subgraph that only knows it as an ``@interfaceObject`` must not define
its implementations (INTERFACE_OBJECT_USAGE_ERROR).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, SelectionSetNode

from router.composition.context import MergeState, subgraph_list
from router.composition.errors import CompositionError
from router.composition.fieldsets import parse_field_set
from router.composition.model import Key, Subgraph, SubType

__all__ = ["check_interface_objects", "check_interfaces_in_subgraph"]


def _types(names: list[str]) -> str:
    """Apollo's ``printTypes``: 'type "A"' or 'types "A" and "B"'."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) == 1:
        return f"type {quoted[0]}"
    return f"types {', '.join(quoted[:-1])} and {quoted[-1]}"


def _shape(fields: str) -> frozenset[object] | None:
    """A field set as an order-free structure, to compare two keys."""
    selection_set = parse_field_set(fields)
    return None if isinstance(selection_set, str) else _selection_shape(selection_set)


def _selection_shape(selection_set: SelectionSetNode) -> frozenset[object]:
    return frozenset(
        (s.name.value, _selection_shape(s.selection_set) if s.selection_set else None)
        for s in selection_set.selections
        if isinstance(s, FieldNode)
    )


def _key_text(key: Key) -> str:
    resolvable = "" if key.resolvable else ", resolvable: false"
    return f'@key(fields: "{key.fields}"{resolvable})'


def _check_interface_keys(subgraph: Subgraph, interface: SubType) -> Iterator[CompositionError]:
    """INTERFACE_KEY_NOT_ON_IMPLEMENTATION: an interface key must be on every implementation."""
    implementations = [
        t for t in subgraph.types.values() if interface.name in t.interfaces and t.kind == "OBJECT"
    ]
    for key in interface.keys:
        shape = _shape(key.fields)
        missing, unresolvable = [], []
        for implementation in implementations:
            match = next((k for k in implementation.keys if _shape(k.fields) == shape), None)
            if match is None:
                missing.append(implementation.name)
            elif key.resolvable and not match.resolvable:
                unresolvable.append(implementation.name)
        if missing:
            message = (
                f'Key {_key_text(key)} on interface type "{interface.name}" is missing on'
                f" implementation {_types(missing)}."
            )
        elif unresolvable:
            message = (
                f'Key {_key_text(key)} on interface type "{interface.name}" should be resolvable'
                " on all implementation types, but is declared with argument"
                f' "@key(resolvable:)" set to false in {_types(unresolvable)}.'
            )
        else:
            continue
        yield CompositionError(
            "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
            f"[{subgraph.name}] {message}",
            (subgraph.name,),
            interface.name,
        )


def check_interfaces_in_subgraph(subgraph: Subgraph) -> Iterator[CompositionError]:
    """The interface rules one subgraph must follow on its own."""
    name = subgraph.name
    for sub_type in subgraph.types.values():
        if sub_type.interface_object and not sub_type.keys:
            yield CompositionError(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f"[{name}] The @interfaceObject directive can only be applied to entity types but"
                f' type "{sub_type.name}" has no @key in this subgraph.',
                (name,),
                sub_type.name,
            )
        if sub_type.kind != "INTERFACE":
            continue
        yield from _check_interface_keys(subgraph, sub_type)
        for sub_field in sub_type.fields.values():
            coordinate = f"{sub_type.name}.{sub_field.name}"
            if sub_field.external:
                yield CompositionError(
                    "EXTERNAL_ON_INTERFACE",
                    f'[{name}] Interface type field "{coordinate}" is marked @external but'
                    " @external is not allowed on interface fields (it is nonsensical).",
                    (name,),
                    coordinate,
                )
            if sub_field.shareable:
                yield CompositionError(
                    "INVALID_SHAREABLE_USAGE",
                    f'[{name}] Invalid use of @shareable on field "{coordinate}": only object type'
                    " fields can be marked with @shareable",
                    (name,),
                    coordinate,
                )


def check_interface_objects(state: MergeState) -> Iterator[CompositionError]:
    """``@interfaceObject`` types need a real interface somewhere, and no implementations."""
    names: dict[str, list[str]] = {}
    for subgraph in state.subgraphs:
        for sub_type in subgraph.types.values():
            if sub_type.interface_object:
                names.setdefault(sub_type.name, []).append(subgraph.name)
    for type_name, subgraphs in names.items():
        if not any(
            s.types.get(type_name, None) and s.types[type_name].kind == "INTERFACE"
            for s in state.subgraphs
        ):
            defining = [s.name for s in state.subgraphs if type_name in s.types]
            yield CompositionError(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f'Type "{type_name}" is declared with @interfaceObject in all the subgraphs in which'
                f" it is defined (it is defined in {subgraph_list(defining)} but should be defined"
                " as an interface in at least one subgraph)",
                tuple(defining),
                type_name,
            )
            continue
        implementations = [
            t.name
            for t in state.merged.values()
            if type_name in t.interfaces and t.kind == "OBJECT"
        ]
        for subgraph in state.subgraphs:
            if subgraph.name not in subgraphs:
                continue
            defined = [i for i in implementations if i in subgraph.types]
            if defined:
                yield CompositionError(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{subgraph.name}] Interface type "{type_name}" is defined as an'
                    f' @interfaceObject in subgraph "{subgraph.name}" so that subgraph should not'
                    f' define any of the implementation types of "{type_name}", but it defines'
                    f" {_types(defined)}",
                    (subgraph.name,),
                    type_name,
                )
