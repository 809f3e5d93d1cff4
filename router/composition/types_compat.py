"""Type reference compatibility between subgraphs (Apollo's ``isStrictSubtype`` rules).

A field may be declared with a subtype in some subgraphs: non-null of the same type, a list of
subtypes, an object implementing the interface or a member of the union. Output positions merge
to the most general type, input positions to the most specific one ("Merging types" in the
federation composition docs).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["is_strict_subtype", "merge_type_strings"]

Relation = Callable[[str, str], bool]  # (maybe_sub, super) named types


def _strip(type_string: str) -> tuple[str, str]:
    """Outer wrapper: ('!', inner), ('[]', inner) or ('', name)."""
    if type_string.endswith("!"):
        return "!", type_string[:-1]
    if type_string.startswith("["):
        return "[]", type_string[1:-1]
    return "", type_string


def _is_subtype(super_type: str, sub_type: str, named: Relation) -> bool:
    if super_type == sub_type:
        return True
    sub_kind, sub_inner = _strip(sub_type)
    super_kind, super_inner = _strip(super_type)
    if sub_kind == "!" and super_kind != "!":
        return _is_subtype(super_type, sub_inner, named)
    if sub_kind != super_kind:
        return False
    if sub_kind:
        return _is_subtype(super_inner, sub_inner, named)
    return named(sub_type, super_type)


def is_strict_subtype(super_type: str, sub_type: str, named: Relation) -> bool:
    """``sub_type`` is a subtype of ``super_type`` and differs from it."""
    return super_type != sub_type and _is_subtype(super_type, sub_type, named)


def merge_type_strings(
    types: list[str], named: Relation, input_position: bool
) -> tuple[str, bool, bool]:
    """(merged type, all equal, compatible) for the types one element has in its subgraphs."""
    merged = types[0]
    has_subtypes = incompatible = False
    for current in types[1:]:
        if current == merged:
            continue
        if is_strict_subtype(merged, current, named):
            has_subtypes = True
            if input_position:
                merged = current
        elif is_strict_subtype(current, merged, named):
            has_subtypes = True
            if not input_position:
                merged = current
        else:
            incompatible = True
    return merged, not (has_subtypes or incompatible), not incompatible
