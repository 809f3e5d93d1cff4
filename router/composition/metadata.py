"""Per-subgraph federation metadata Apollo derives before merging.

Implements federation-internals' ``computeShareables`` and external tester: key fields and
``@provides`` targets are shareable, ``@shareable`` on a type shares its fields; ``@external``
on a key field of a type extension is a "fake" external (the field is resolved there); an
``@external`` field targeted by a ``@provides`` is only partially external.
"""

from __future__ import annotations

from router.composition.fieldsets import base_type, field_set_paths
from router.composition.model import Subgraph

__all__ = ["compute_metadata"]


def _with_implementations(subgraph: Subgraph, paths: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Interface fields also select the same field of each implementation in the subgraph
    (Apollo's ``collectTargetFields`` with ``includeInterfaceFieldsImplementations``)."""
    found = set(paths)
    for parent, name in paths:
        interface = subgraph.types.get(parent)
        if interface is None or interface.kind != "INTERFACE":
            continue
        for implementation in subgraph.types.values():
            if (
                implementation.kind == "OBJECT"
                and parent in implementation.interfaces
                and name in implementation.fields
            ):
                found.add((implementation.name, name))
    return found


def compute_metadata(subgraph: Subgraph) -> None:
    """Fold shareability, fake externals and provided fields into the model, in place."""
    provided: set[tuple[str, str]] = set()
    key_fields: set[tuple[str, str]] = set()
    fake_external: set[tuple[str, str]] = set()
    for sub_type in subgraph.types.values():
        for key in sub_type.keys:
            paths = field_set_paths(subgraph, sub_type.name, key.fields)
            key_fields.update(paths)
            if key.extension:
                fake_external.update(paths)
        for sub_field in sub_type.fields.values():
            if sub_field.provides and base_type(sub_field.type) in subgraph.types:
                provided.update(
                    _with_implementations(
                        subgraph,
                        field_set_paths(subgraph, base_type(sub_field.type), sub_field.provides),
                    )
                )
    for sub_type in subgraph.types.values():
        for sub_field in sub_type.fields.values():
            coordinate = (sub_type.name, sub_field.name)
            if coordinate in fake_external and sub_field.external:
                sub_field.external = False
            sub_field.provided = coordinate in provided
            if sub_type.kind != "OBJECT":
                continue
            if (
                coordinate in key_fields
                or sub_type.shareable
                or (sub_field.external and sub_field.provided)
            ):
                sub_field.shareable = True
