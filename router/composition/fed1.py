"""Upgrade a Federation 1 subgraph (no ``@link``) to Federation 2 semantics.

Follows Apollo's schema upgrader (``schemaUpgrader`` in federation-internals): in Fed 1 every
value-type field and every key field could be resolved by several subgraphs, so they become
``@shareable``; ``extend type`` was the ordinary way to contribute to an entity, so key fields
of extensions lose ``@external`` and the extension flag is dropped (``@extends`` keeps it);
``@external`` fields no ``@key``/``@requires``/``@provides`` uses are removed instead of failing
with EXTERNAL_UNUSED; entity and root fields another subgraph resolves become ``@shareable``.
"""

from __future__ import annotations

from router.composition.fieldsets import field_set_paths
from router.composition.model import Key, Subgraph

__all__ = ["share_fields_resolved_elsewhere", "upgrade_federation_1"]


def _used_externals(subgraph: Subgraph) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for sub_type in subgraph.types.values():
        for key in sub_type.keys:
            used.update(field_set_paths(subgraph, sub_type.name, key.fields))
        for sub_field in sub_type.fields.values():
            if sub_field.requires:
                used.update(field_set_paths(subgraph, sub_type.name, sub_field.requires))
            if sub_field.provides:
                target = sub_field.type.strip("[]!")
                used.update(field_set_paths(subgraph, target, sub_field.provides))
    return used


def upgrade_federation_1(subgraph: Subgraph) -> None:
    """Apply the Fed 1 -> Fed 2 upgrade to ``subgraph`` in place."""
    used = _used_externals(subgraph)
    for sub_type in subgraph.types.values():
        if sub_type.kind not in ("OBJECT", "INTERFACE"):
            continue
        key_fields = {
            path
            for key in sub_type.keys
            for path in field_set_paths(subgraph, sub_type.name, key.fields)
        }
        if not sub_type.extends_directive:  # `extend type` was Fed 1's way to add fields
            sub_type.keys = [Key(k.fields, k.resolvable, False) for k in sub_type.keys]
            sub_type.extension = False
        for name, sub_field in list(sub_type.fields.items()):
            coordinate = (sub_type.name, name)
            if sub_field.external and coordinate in key_fields:
                sub_field.external = False
            elif sub_field.external and coordinate not in used:
                del sub_type.fields[name]  # an unused @external field is removed
        is_value_type = not sub_type.keys and sub_type.name not in subgraph.roots.values()
        if sub_type.kind == "OBJECT":
            for name, sub_field in sub_type.fields.items():
                if is_value_type or (sub_type.name, name) in key_fields:
                    sub_field.shareable = True


def share_fields_resolved_elsewhere(subgraphs: list[Subgraph]) -> None:
    """Fed 1 entity and root fields also resolved by another subgraph become shareable.

    Apollo's upgrader (``addShareable``): in Fed 1 a field of an entity or root type could be
    resolved by several subgraphs (e.g. the owner and a ``@provides``), so the Fed 1 side gets
    ``@shareable`` when another subgraph resolves the field (non-external or provided there).
    """
    for subgraph in subgraphs:
        if subgraph.is_fed2:
            continue
        for sub_type in subgraph.types.values():
            if sub_type.kind != "OBJECT" or sub_type.name == subgraph.roots.get("subscription"):
                continue
            if not sub_type.keys and sub_type.name not in subgraph.roots.values():
                continue
            for sub_field in sub_type.fields.values():
                if sub_field.shareable:
                    continue
                sub_field.shareable = any(
                    other is not subgraph
                    and (theirs := other.types.get(sub_type.name)) is not None
                    and (field := theirs.fields.get(sub_field.name)) is not None
                    and (not field.external or field.provided)
                    for other in subgraphs
                )
