"""``@override(from:, label:)``: which subgraph resolves a field after a migration.

Implements @apollo/composition's ``validateOverride``: an override from the subgraph itself is
OVERRIDE_FROM_SELF_ERROR, overriding a field that itself overrides is
OVERRIDE_SOURCE_HAS_OVERRIDE, overriding an ``@external``/``@requires``/``@provides`` field is
OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE, a bad progressive label is OVERRIDE_LABEL_INVALID.
The overridden field stays in the supergraph as ``usedOverridden`` when its subgraph still
uses it in a federation directive, and disappears from its subgraph otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from router.composition.context import MergeState
from router.composition.model import SubField

__all__ = ["OverrideResult", "validate_override"]

_LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


@dataclass
class OverrideResult:
    used_overridden: set[int] = field(default_factory=set)
    unused_overridden: set[int] = field(default_factory=set)
    labels: dict[int, str] = field(default_factory=dict)


def _is_used(state: MergeState, index: int, coordinate: str) -> bool:
    """Whether the subgraph references the field in a @key, @requires or @provides."""
    from router.composition.fieldsets import base_type, field_set_paths

    subgraph = state.subgraphs[index]
    type_name, field_name = coordinate.split(".")
    target = (type_name, field_name)
    for sub_type in subgraph.types.values():
        for key in sub_type.keys:
            if target in field_set_paths(subgraph, sub_type.name, key.fields):
                return True
        for sub_field in sub_type.fields.values():
            if sub_field.requires and target in field_set_paths(
                subgraph, sub_type.name, sub_field.requires
            ):
                return True
            if sub_field.provides and target in field_set_paths(
                subgraph, base_type(sub_field.type), sub_field.provides
            ):
                return True
    return False


def validate_override(
    state: MergeState, coordinate: str, sources: dict[int, SubField | None]
) -> OverrideResult:
    """Check every ``@override`` on the field and say how the overridden sources merge."""
    result = OverrideResult()
    names = [s.name for s in state.subgraphs]
    overriding = {i: f for i, f in sources.items() if f is not None and f.override is not None}
    for index, sub_field in overriding.items():
        name, source_name = names[index], sub_field.override or ""
        if source_name not in names:
            continue
        from_index = names.index(source_name)
        from_field = sources.get(from_index)
        if source_name == name:
            state.error(
                "OVERRIDE_FROM_SELF_ERROR",
                f'Source and destination subgraphs "{source_name}" are the same for overridden'
                f' field "{coordinate}"',
                [name],
                coordinate,
            )
        elif from_index in overriding:
            state.error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                f'Field "{coordinate}" on subgraph "{name}" is also marked with directive @override'
                f' in subgraph "{source_name}". Only one @override directive is allowed per field.',
                [name, source_name],
                coordinate,
            )
        elif from_field is None:
            continue
        elif from_field.requires or from_field.provides or sub_field.external:
            conflicting = "requires" if from_field.requires else "provides"
            where = source_name
            if sub_field.external:
                conflicting, where = "external", name
            state.error(
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                f'@override cannot be used on field "{coordinate}" on subgraph "{name}" since'
                f' "{coordinate}" on "{where}" is marked with directive "@{conflicting}"',
                [name, source_name],
                coordinate,
            )
        else:
            _record_override(state, result, index, from_index, from_field, sub_field, coordinate)
    return result


def _record_override(  # noqa: PLR0917
    state: MergeState,
    result: OverrideResult,
    index: int,
    from_index: int,
    from_field: SubField,
    sub_field: SubField,
    coordinate: str,
) -> None:
    if from_field.external:
        return
    if _is_used(state, from_index, coordinate):
        result.used_overridden.add(from_index)
    else:
        result.unused_overridden.add(from_index)
    label = sub_field.override_label
    if label is None:
        return
    percent = _PERCENT.match(label)
    if _LABEL.match(label) or (percent and 0 <= float(percent.group(1)) <= 100):
        result.labels[index] = label
        result.labels[from_index] = label
        return
    state.error(
        "OVERRIDE_LABEL_INVALID",
        f'Invalid @override label "{label}" on field "{coordinate}" on subgraph'
        f' "{state.subgraphs[index].name}": labels must start with a letter and after that may'
        " contain alphanumerics, underscores, minuses, colons, periods, or slashes."
        ' Alternatively, labels may be of the form "percent(x)" where x is a float between'
        " 0-100 inclusive.",
        [state.subgraphs[index].name],
        coordinate,
    )
