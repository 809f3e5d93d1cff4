"""Merge one field of an object or interface type across the subgraphs that define it.

Implements @apollo/composition's ``mergeField``: external-only fields (EXTERNAL_MISSING_ON_BASE),
argument intersection (REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH), type merging
(FIELD_TYPE_MISMATCH, ARGUMENT_TYPE_MISMATCH, EXTERNAL_TYPE_MISMATCH), the ``@join__field``
applications and when they are needed, and shareability (INVALID_FIELD_SHARING).
"""

from __future__ import annotations

import json
import re

from router.composition.context import (
    MergeState,
    default_text,
    describe_mismatch,
    subgraph_list,
)
from router.composition.fieldsets import base_type
from router.composition.merge_directives import merge_applied, merge_description
from router.composition.model import SubField
from router.composition.override import OverrideResult, validate_override
from router.composition.supergraph_model import JoinField, MArgument, MField
from router.composition.types_compat import is_strict_subtype, merge_type_strings

__all__ = ["merge_field"]

Sources = dict[int, SubField | None]


def _merge_arguments(state: MergeState, sources: Sources, dest: MField, coordinate: str) -> None:
    present = {i: f for i, f in sources.items() if f is not None}
    names: list[str] = []
    for sub_field in present.values():
        names.extend(name for name in sub_field.args if name not in names)
    contextual = {n for f in present.values() for n, a in f.args.items() if a.from_context}
    names = [name for name in names if name not in contextual]
    for name in names:
        args = {i: f.args.get(name) for i, f in present.items()}
        missing = [state.subgraphs[i].name for i, a in args.items() if a is None]
        if missing:
            required = [state.subgraphs[i].name for i, a in args.items() if a and a.required]
            if required:
                state.error(
                    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                    f'Argument "{coordinate}({name}:)" is required in some subgraphs but does not'
                    f" appear in all subgraphs: it is required in {subgraph_list(required)} but"
                    f" does not appear in {subgraph_list(missing)}",
                    required + missing,
                    f"{coordinate}({name}:)",
                )
            continue
        defined = {i: a for i, a in args.items() if a is not None}
        merged_type, _, compatible = merge_type_strings(
            [a.type for a in defined.values()], state.named_subtype, input_position=True
        )
        if not compatible:
            state.error(
                "FIELD_ARGUMENT_TYPE_MISMATCH",
                f'Type of argument "{coordinate}({name}:)" is incompatible across subgraphs: it has '
                + _mismatch({i: a.type for i, a in defined.items()}, state),
                [state.subgraphs[i].name for i in defined],
                f"{coordinate}({name}:)",
            )
        state.record_enum_usage(base_type(merged_type), f"{coordinate}({name}:)", True)
        defaults = {a.default for a in defined.values()}
        if len(defaults) > 1:
            state.error(
                "FIELD_ARGUMENT_DEFAULT_MISMATCH",
                f'Argument "{coordinate}({name}:)" has incompatible default values across subgraphs:'
                " it has "
                + describe_mismatch(
                    [sg.name for sg in state.subgraphs],
                    {i: default_text(a.default) for i, a in defined.items()},
                ),
                [state.subgraphs[i].name for i in defined],
                f"{coordinate}({name}:)",
            )
        values = list(defined.values())
        dest.args[name] = MArgument(
            name,
            merged_type,
            values[0].default,
            merge_description([a.description for a in values]),
            merge_applied(state, values),
        )


def _mismatch(types: dict[int, str], state: MergeState) -> str:
    names = [subgraph.name for subgraph in state.subgraphs]
    return describe_mismatch(names, {i: f'type "{t}"' for i, t in types.items()})


def _needs_join_field(
    state: MergeState, sources: Sources, all_equal: bool, override: OverrideResult
) -> bool:
    if not all_equal or override.used_overridden or override.labels:
        return True
    for i, source in sources.items():
        if source is None or i in override.unused_overridden:
            return True  # the subgraph has the type but does not resolve this field
        if source.external or source.provides or source.requires:
            return True
        if any(a.from_context for a in source.args.values()):
            return True
    return False


def _context_arguments(state: MergeState, index: int, source: SubField) -> str | None:
    """``contextArguments`` of ``@join__field``: each ``@fromContext`` argument (join v0.5)."""
    rendered = []
    for argument in source.args.values():
        if not argument.from_context:
            continue
        reference = argument.from_context.strip()
        match = re.match(r"^\$(\w+)(.*)$", reference, re.DOTALL)
        if match is None:
            continue
        context = f"{state.subgraphs[index].name}__{match.group(1)}"
        values = [("context", context), ("name", argument.name), ("type", argument.type)]
        values.append(("selection", match.group(2)))
        rendered.append("{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in values) + "}")
    return f"[{', '.join(rendered)}]" if rendered else None


def _join_fields(
    state: MergeState, sources: Sources, all_equal: bool, override: OverrideResult
) -> list[JoinField]:
    joins = []
    for i, source in sources.items():
        label = override.labels.get(i)
        if source is None or (i in override.unused_overridden and not label):
            continue
        joins.append(
            JoinField(
                state.graphs[i],
                source.requires,
                source.provides,
                None if all_equal else source.type,
                True if source.external else None,
                source.override,
                True if i in override.used_overridden else None,
                label,
                _context_arguments(state, i, source),
            )
        )
    return joins


def _validate_sharing(
    state: MergeState, sources: Sources, coordinate: str, override: OverrideResult
) -> None:
    resolving: list[str] = []
    shareable: list[str] = []
    non_shareable: list[str] = []
    for i, source in sources.items():
        if source is None or i in override.used_overridden or i in override.unused_overridden:
            continue
        if source.fully_external:
            continue
        name = state.subgraphs[i].name
        resolving.append(name)
        (shareable if source.shareable else non_shareable).append(name)
    if non_shareable and (shareable or len(non_shareable) > 1):
        where = subgraph_list(non_shareable) if shareable else "all of them"
        state.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is resolved'
            f" from {subgraph_list(resolving)} and defined as non-shareable in {where}",
            resolving,
            coordinate,
        )


def merge_field(
    state: MergeState, type_name: str, sources: Sources, dest: MField, *, check_sharing: bool = True
) -> None:
    """Fill ``dest`` from the subgraphs' definitions of the field; report what does not merge."""
    coordinate = f"{type_name}.{dest.name}"
    override = validate_override(state, coordinate, sources)
    defined = {i: f for i, f in sources.items() if f is not None}
    if all(f.external for f in defined.values()):
        names = [state.subgraphs[i].name for i in defined]
        state.error(
            "EXTERNAL_MISSING_ON_BASE",
            f'Field "{coordinate}" is marked @external on all the subgraphs in which it is listed'
            f" ({subgraph_list(names)}).",
            names,
            coordinate,
        )
        return
    resolving: Sources = {i: (None if f is None or f.external else f) for i, f in sources.items()}
    present = [f for f in resolving.values() if f is not None]
    dest.description = merge_description([f.description for f in present])
    _merge_arguments(state, resolving, dest, coordinate)
    types = {i: f.type for i, f in resolving.items() if f is not None}
    dest.type, all_equal, compatible = merge_type_strings(
        list(types.values()), state.named_subtype, input_position=False
    )
    if not compatible:
        state.error(
            "FIELD_TYPE_MISMATCH",
            f'Type of field "{coordinate}" is incompatible across subgraphs: it has '
            + _mismatch(types, state),
            [state.subgraphs[i].name for i in types],
            coordinate,
        )
    _validate_external_types(state, sources, dest, coordinate, all_equal)
    state.record_enum_usage(base_type(dest.type), coordinate, False)
    directives = merge_applied(state, present)
    joins = (
        [str(j) for j in _join_fields(state, sources, all_equal, override)]
        if _needs_join_field(state, sources, all_equal, override)
        else []
    )
    inaccessible = [d for d in directives if d == "@inaccessible"]
    dest.directives = inaccessible + joins + [d for d in directives if d != "@inaccessible"]
    if check_sharing:
        _validate_sharing(state, sources, coordinate, override)


def _validate_external_types(
    state: MergeState, sources: Sources, dest: MField, coordinate: str, all_equal: bool
) -> None:
    externals = {i: f.type for i, f in sources.items() if f is not None and f.external}
    invalid = [
        t
        for t in externals.values()
        if t != dest.type
        and (all_equal or not is_strict_subtype(dest.type, t, state.named_subtype))
    ]
    if invalid:
        resolving = {i: f.type for i, f in sources.items() if f is not None and not f.external}
        state.error(
            "EXTERNAL_TYPE_MISMATCH",
            f'Type of field "{coordinate}" is incompatible across subgraphs (where marked'
            f" @external): it has " + _mismatch({**resolving, **externals}, state),
            [state.subgraphs[i].name for i in externals],
            coordinate,
        )
