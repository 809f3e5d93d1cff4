"""``@inaccessible`` consistency of the merged schema (the inaccessible spec v0.2 rules).

Implements the API-schema checks of https://specs.apollo.dev/inaccessible/v0.2 as Apollo runs
them after merging: an element still in the API schema must not reference an inaccessible type
(REFERENCED_INACCESSIBLE), a type in the API schema must keep some field, member or value
(ONLY_INACCESSIBLE_CHILDREN), and a required argument or input field cannot be hidden
(REQUIRED_INACCESSIBLE).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from router.composition.context import MergeState
from router.composition.errors import CompositionError
from router.composition.fieldsets import base_type
from router.composition.supergraph_model import MArgument, MField, MType

__all__ = ["check_inaccessible"]

_HIDDEN = "@inaccessible"


def _hidden(element: MField | MArgument) -> bool:
    return _HIDDEN in element.directives


def _error(code: str, message: str, element: str) -> CompositionError:
    """Subgraphs are filled in by :func:`check_inaccessible` (those defining the type)."""
    return CompositionError(code, message, (), element)


def _references(state: MergeState, merged: MType) -> Iterator[CompositionError]:
    for field in merged.fields.values():
        if _hidden(field):
            continue
        coordinate = f"{merged.name}.{field.name}"
        targets = [(base_type(field.type), coordinate)]
        targets += [
            (base_type(a.type), f"{coordinate}({a.name}:)")
            for a in field.args.values()
            if not _hidden(a)
        ]
        for target, referencer in targets:
            referenced = state.merged.get(target)
            if referenced is not None and referenced.inaccessible:
                yield _error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{target}" is @inaccessible but is referenced by "{referencer}", which is'
                    " in the API schema.",
                    referencer,
                )


def _hidden_children(state: MergeState, merged: MType) -> str | None:
    """What kind of children a type has if it has some and all are inaccessible."""
    if merged.kind in ("OBJECT", "INTERFACE", "INPUT_OBJECT"):
        hidden = bool(merged.fields) and all(map(_hidden, merged.fields.values()))
        return ("input fields" if merged.kind == "INPUT_OBJECT" else "fields") if hidden else None
    if merged.kind == "UNION":
        members = [state.merged[m] for m in merged.members if m in state.merged]
        return "members" if members and all(m.inaccessible for m in members) else None
    if merged.kind == "ENUM":
        values = merged.values.values()
        return "values" if values and all(_HIDDEN in v.directives for v in values) else None
    return None


def _children(state: MergeState, merged: MType) -> Iterator[CompositionError]:
    what = _hidden_children(state, merged)
    if what is not None:
        yield _error(
            "ONLY_INACCESSIBLE_CHILDREN",
            f'Type "{merged.name}" is in the API schema but all of its {what} are @inaccessible.',
            merged.name,
        )


def _required(merged: MType) -> Iterator[CompositionError]:
    for field in merged.fields.values():
        if merged.kind == "INPUT_OBJECT":
            if _hidden(field) and field.type.endswith("!") and field.default is None:
                yield _error(
                    "REQUIRED_INACCESSIBLE",
                    f'Input field "{merged.name}.{field.name}" is @inaccessible but is a required'
                    " input field of its type.",
                    f"{merged.name}.{field.name}",
                )
            continue
        for argument in field.args.values():
            if _hidden(argument) and argument.type.endswith("!") and argument.default is None:
                coordinate = f"{merged.name}.{field.name}({argument.name}:)"
                yield _error(
                    "REQUIRED_INACCESSIBLE",
                    f'Argument "{coordinate}" is @inaccessible but is a required argument of its field.',
                    coordinate,
                )


def check_inaccessible(state: MergeState) -> list[CompositionError]:
    """The inaccessible-spec errors of the merged schema."""
    errors: list[CompositionError] = []
    for merged in state.merged.values():
        if merged.inaccessible:
            continue
        errors.extend(_references(state, merged))
        errors.extend(_children(state, merged))
        errors.extend(_required(merged))
    return [replace(e, subgraphs=_defining(state, e.element or "")) for e in errors]


def _defining(state: MergeState, element: str) -> tuple[str, ...]:
    type_name = element.split(".", maxsplit=1)[0]
    return tuple(s.name for s in state.subgraphs if type_name in s.types)
