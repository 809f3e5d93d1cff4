"""Merge input object types and enums: the types whose values flow into operations.

Implements @apollo/composition's ``mergeInput`` (fields common to all defining subgraphs;
REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH, EMPTY_MERGED_INPUT_TYPE,
INPUT_FIELD_DEFAULT_MISMATCH) and ``mergeEnum`` (output enums take every value, input enums
only common ones, an enum used both ways must agree: ENUM_VALUE_MISMATCH,
EMPTY_MERGED_ENUM_TYPE), with ``@join__field`` / ``@join__enumValue``.
"""

from __future__ import annotations

from router.composition.context import (
    MergeState,
    default_text,
    describe_mismatch,
    subgraph_list,
)
from router.composition.fieldsets import base_type
from router.composition.merge_directives import merge_applied, merge_description
from router.composition.model import SubType
from router.composition.supergraph_model import JoinField, MEnumValue, MField, MType
from router.composition.types_compat import merge_type_strings

__all__ = ["merge_enum", "merge_input"]

TypeSources = dict[int, SubType]


def merge_input(state: MergeState, merged: MType, sources: TypeSources) -> None:
    """Input fields common to every defining subgraph, with their types and defaults."""
    subgraph_names = [subgraph.name for subgraph in state.subgraphs]
    names: list[str] = []
    for sub_type in sources.values():
        names.extend(n for n in sub_type.fields if n not in names)
    for name in names:
        by_index = {i: s.fields.get(name) for i, s in sources.items()}
        present = {i: f for i, f in by_index.items() if f is not None}
        coordinate = f"{merged.name}.{name}"
        for sub_field in present.values():  # usage counts even for fields merged away
            state.record_enum_usage(base_type(sub_field.type), coordinate, True)
        if len(present) < len(by_index) and not any(f.inaccessible for f in present.values()):
            required = [
                state.subgraphs[i].name
                for i, f in present.items()
                if f.type.endswith("!") and f.default is None
            ]
            if required:
                missing = [state.subgraphs[i].name for i, f in by_index.items() if f is None]
                state.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    f'Input object field "{coordinate}" is required in some subgraphs but does not'
                    f" appear in all subgraphs: it is required in {subgraph_list(required)} but"
                    f" does not appear in {subgraph_list(missing)}",
                    required + missing,
                    coordinate,
                )
            continue
        fields = list(present.values())
        field_type, all_equal, compatible = merge_type_strings(
            [f.type for f in fields], state.named_subtype, input_position=True
        )
        if not compatible:
            state.error(
                "FIELD_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs: it has '
                + describe_mismatch(
                    subgraph_names, {i: f'type "{f.type}"' for i, f in present.items()}
                ),
                [state.subgraphs[i].name for i in present],
                coordinate,
            )
        state.record_enum_usage(base_type(field_type), coordinate, True)
        if len({f.default for f in fields}) > 1:
            state.error(
                "INPUT_FIELD_DEFAULT_MISMATCH",
                f'Input field "{coordinate}" has incompatible default values across subgraphs:'
                " it has "
                + describe_mismatch(
                    subgraph_names, {i: default_text(f.default) for i, f in present.items()}
                ),
                [state.subgraphs[i].name for i in present],
                coordinate,
            )
        directives = merge_applied(state, fields)
        joins = (
            []
            if all_equal
            else [str(JoinField(state.graphs[i], type=f.type)) for i, f in present.items()]
        )
        inaccessible = [d for d in directives if d == "@inaccessible"]
        merged.fields[name] = MField(
            name,
            field_type,
            {},
            merge_description([f.description for f in fields]),
            inaccessible + joins + [d for d in directives if d != "@inaccessible"],
            fields[0].default,
        )
    if not merged.fields:
        state.error(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{merged.name}" are consistently defined in'
            " all the subgraphs defining that type. As only fields common to all subgraphs are"
            " merged, this would result in an empty type.",
            [state.subgraphs[i].name for i in sources],
            merged.name,
        )


def merge_enum(state: MergeState, merged: MType, sources: TypeSources) -> None:
    """Enum values by usage: union for output enums, intersection for input ones."""
    usage = state.enum_usages.get(merged.name)
    position = usage.position if usage else "Output"
    names: list[str] = []
    for sub_type in sources.values():
        names.extend(n for n in sub_type.values if n not in names)
    for name in names:
        by_index = {i: s.values.get(name) for i, s in sources.items()}
        present = {i: v for i, v in by_index.items() if v is not None}
        directives = merge_applied(state, list(present.values()))
        inaccessible = "@inaccessible" in directives
        if len(present) < len(by_index) and not inaccessible and position != "Output":
            if position == "Both" and usage is not None:
                has = [state.subgraphs[i].name for i in present]
                lacks = [state.subgraphs[i].name for i, v in by_index.items() if v is None]
                state.error(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{merged.name}" is used as both input type (for example, as type of'
                    f' "{usage.examples["Input"]}") and output type (for example, as type of'
                    f' "{usage.examples["Output"]}"), but value "{name}" is not defined in all the'
                    f' subgraphs defining "{merged.name}": "{name}" is defined in'
                    f" {subgraph_list(has)} but not in {subgraph_list(lacks)}",
                    has + lacks,
                    f"{merged.name}.{name}",
                )
            else:
                continue  # an input-only enum keeps only the values every subgraph has
        joins = [f"@join__enumValue(graph: {state.graphs[i]})" for i in present]
        rest = [d for d in directives if d != "@inaccessible"]
        merged.values[name] = MEnumValue(
            name,
            merge_description([v.description for v in present.values()]),
            (["@inaccessible"] if inaccessible else []) + joins + rest,
        )
    if not merged.values:
        state.error(
            "EMPTY_MERGED_ENUM_TYPE",
            f'None of the values of enum type "{merged.name}" are defined consistently in all the'
            " subgraphs defining that type. As only values common to all subgraphs are merged,"
            " this would result in an empty type.",
            [state.subgraphs[i].name for i in sources],
            merged.name,
        )
