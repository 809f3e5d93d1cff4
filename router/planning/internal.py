"""Fields the planner adds (``@key`` and ``@requires`` inputs) and client aliases.

Fetches use the client's response keys, so the executor deep-merges answers per object. A field
the planner adds under its plain name would clobber a client field aliased to that name (``upc:
name``); such planner fields get a fresh alias instead, the representation reads the alias, and
the dependent fetch renames it back with an input ``KeyRenamer`` before sending it.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from router.planning.normalize import NField, NFragment, NSelection, field_set_selections
from router.planning.plan import KeyRenamer
from router.planning.selection import SelectionBuffer
from router.supergraph import Supergraph

__all__ = ["client_keys", "internal_selections", "representation_fields"]


def client_keys(selections: tuple[NSelection, ...]) -> dict[str, tuple[str, str]]:
    """Response key -> (field name, arguments) of the client fields selected on one object."""
    keys: dict[str, tuple[str, str]] = {}
    for selection in selections:
        if isinstance(selection, NFragment):
            keys.update(client_keys(selection.selections))
        else:
            keys.setdefault(selection.response_key, (selection.name, selection.arguments))
    return keys


def internal_selections(
    field_set: SelectionSetNode, siblings: tuple[NSelection, ...]
) -> tuple[tuple[NSelection, ...], dict[str, str]]:
    """The field set as selections to place, aliased where a client key collides.

    Returns the selections and ``alias -> field name`` for the aliased top-level fields.
    """
    taken = client_keys(siblings)
    renames: dict[str, str] = {}
    result: list[NSelection] = []
    for selection in field_set_selections(field_set):
        if (
            isinstance(selection, NField)
            and selection.response_key in taken
            and taken[selection.response_key] != (selection.name, selection.arguments)
        ):
            same = (selection.name, selection.arguments)
            alias = next(
                (key for key, found in taken.items() if found == same and "__planner" in key),
                None,
            ) or _fresh(f"{selection.name}__planner", taken)  # an identical alias is reused
            taken[alias] = same
            renames[alias] = selection.name
            result.append(replace(selection, alias=alias, response_key=alias))
        else:
            result.append(selection)
    return tuple(result), renames


def _fresh(base: str, taken: dict[str, tuple[str, str]]) -> str:
    alias, number = base, 0
    while alias in taken:
        number += 1
        alias = f"{base}{number}"
    return alias


def representation_fields(
    field_set: SelectionSetNode,
    buf: SelectionBuffer,
    renames: dict[str, str],
    type_name: str,
    supergraph: Supergraph,
) -> list[KeyRenamer]:
    """Add a field set to a representation buffer; the input rewrites its aliases need.

    Abstract-typed fields of the field set get ``__typename`` (the subgraph needs the runtime
    type of, e.g., ``media { ... on Book { title } }``).
    """
    back = {name: alias for alias, name in renames.items()}
    _copy(field_set, buf, back, type_name, supergraph)
    return [KeyRenamer((f"... on {type_name}", alias), name) for alias, name in renames.items()]


def _copy(
    selection: SelectionSetNode,
    buf: SelectionBuffer,
    back: dict[str, str],
    type_name: str,
    supergraph: Supergraph,
) -> None:
    for node in selection.selections:
        if isinstance(node, FieldNode):
            name = back.get(node.name.value, node.name.value)
            entry = buf.add_field(name, name, composite=node.selection_set is not None)
            if node.selection_set is not None and entry.sub is not None:
                child = supergraph.types[type_name].fields[node.name.value].named_type
                if supergraph.is_abstract(child):
                    entry.sub.add_typename()
                _copy(node.selection_set, entry.sub, {}, child, supergraph)
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            _copy(
                node.selection_set, buf.fragment(condition), {}, condition or type_name, supergraph
            )
