"""Merge every named type across subgraphs into the supergraph model.

Implements @apollo/composition's ``mergeType``: kinds must agree (TYPE_KIND_MISMATCH), an
``@interfaceObject`` counts as the interface, extensions need a base (EXTENSION_WITH_NO_BASE);
``@join__type`` per subgraph and key, ``@join__implements``, ``@join__unionMember``; fields via
``merge_fields``, inputs and enums via ``merge_values`` (enums last: they merge by the usage the
other types record); interface fields must be implemented (INTERFACE_FIELD_NO_IMPLEM) and
``@interfaceObject`` fields reach every implementation.
"""

from __future__ import annotations

from router.composition.context import MergeState, subgraph_list
from router.composition.interface_rules import check_interface_objects
from router.composition.merge_directives import merge_applied, merge_description
from router.composition.merge_fields import merge_field
from router.composition.merge_values import merge_enum, merge_input
from router.composition.model import SubField, SubType
from router.composition.supergraph_model import (
    MField,
    MType,
    graph_value,
    render_args,
)

__all__ = ["merge_all_types"]

TypeSources = dict[int, SubType]
_KIND_NAMES = {
    "OBJECT": "Object Type",
    "INTERFACE": "Interface Type",
    "UNION": "Union Type",
    "ENUM": "Enum Type",
    "INPUT_OBJECT": "Input Object Type",
    "SCALAR": "Scalar Type",
}


class _TypeElement:
    """A type seen as a directive-carrying element (types have no @deprecated)."""

    def __init__(self, sub_type: SubType) -> None:
        self.deprecated = None
        self.inaccessible = sub_type.inaccessible
        self.applied = sub_type.applied


def _join_types(state: MergeState, sources: TypeSources) -> list[str]:
    rendered = []
    for i, sub_type in sources.items():
        graph = graph_value(state.graphs[i])
        interface_object = True if sub_type.interface_object else None
        if not sub_type.keys:
            rendered.append(
                "@join__type"
                + render_args([("graph", graph), ("isInterfaceObject", interface_object)])
            )
        for key in sub_type.keys:
            rendered.append(
                "@join__type"
                + render_args(
                    [
                        ("graph", graph),
                        ("key", key.fields),
                        ("extension", True if key.extension else None),
                        ("resolvable", False if not key.resolvable else None),
                        ("isInterfaceObject", interface_object),
                    ]
                )
            )
    return rendered


def _collect_sources(state: MergeState) -> dict[str, TypeSources]:
    collected: dict[str, TypeSources] = {}
    for i, subgraph in enumerate(state.subgraphs):
        for name, sub_type in subgraph.types.items():
            collected.setdefault(name, {})[i] = sub_type
    return collected


def _check_kinds(state: MergeState, name: str, sources: TypeSources) -> bool:
    kinds: dict[str, list[str]] = {}
    for i, sub_type in sources.items():
        label = _KIND_NAMES[sub_type.merged_kind]
        if sub_type.interface_object:
            label = "Interface Object Type (Object Type with @interfaceObject)"
        kinds.setdefault(label, []).append(state.subgraphs[i].name)
    if len({s.merged_kind for s in sources.values()}) == 1:
        return True
    described = [f"{kind} in {subgraph_list(names)}" for kind, names in kinds.items()]
    state.error(
        "TYPE_KIND_MISMATCH",
        f'Type "{name}" has mismatched kind: it is defined as '
        + ", ".join(described[:-1])
        + " but "
        + described[-1],
        [n for names in kinds.values() for n in names],
        name,
    )
    return False


def _shell(state: MergeState, name: str, sources: TypeSources) -> MType:
    first = next(iter(sources.values()))
    merged = MType(name, first.merged_kind)
    merged.description = merge_description([s.description for s in sources.values()])
    for i, sub_type in sources.items():
        for interface in sub_type.interfaces:
            if interface not in merged.interfaces:
                merged.interfaces.append(interface)
            merged.directives.append(
                f'@join__implements(graph: {state.graphs[i]}, interface: "{interface}")'
            )
        merged.members.extend(m for m in sub_type.members if m not in merged.members)
    merged.directives += _join_types(state, sources)
    merged.directives += merge_applied(state, [_TypeElement(s) for s in sources.values()])
    merged.inaccessible = any(s.inaccessible for s in sources.values())
    for member in merged.members:
        for i, sub_type in sources.items():
            if member in sub_type.members:
                merged.directives.append(
                    f'@join__unionMember(graph: {state.graphs[i]}, member: "{member}")'
                )
    return merged


def _merge_composite_fields(state: MergeState, merged: MType, sources: TypeSources) -> None:
    field_sources: dict[str, dict[int, SubField | None]] = {}
    for sub_type in sources.values():
        for name in sub_type.fields:
            field_sources.setdefault(name, {j: None for j in sources})
    for name, by_index in field_sources.items():
        for i in by_index:
            by_index[i] = sources[i].fields.get(name)
        merged.fields[name] = MField(name)
        merge_field(
            state, merged.name, by_index, merged.fields[name], check_sharing=merged.kind == "OBJECT"
        )
        if not merged.fields[name].type:
            del merged.fields[name]


def _check_interface_fields(state: MergeState) -> None:
    for merged in state.merged.values():
        for interface in merged.interfaces:
            parent = state.merged.get(interface)
            for field_name in parent.fields if parent else ():
                if field_name in merged.fields:
                    continue
                declaring = [
                    s.name
                    for s in state.subgraphs
                    if interface in s.types and field_name in s.types[interface].fields
                ]
                implementing = [
                    s.name
                    for s in state.subgraphs
                    if merged.name in s.types and interface in s.types[merged.name].interfaces
                ]
                state.error(
                    "INTERFACE_FIELD_NO_IMPLEM",
                    f'Interface field "{interface}.{field_name}" is declared in'
                    f' {subgraph_list(declaring)} but type "{merged.name}", which implements'
                    f' "{interface}" only in {subgraph_list(implementing)} does not have field'
                    f' "{field_name}".',
                    declaring + implementing,
                    f"{merged.name}.{field_name}",
                )


def _add_interface_object_fields(state: MergeState) -> None:
    """Fields an ``@interfaceObject`` adds to an interface reach every implementation."""
    for merged in state.merged.values():
        if merged.kind != "OBJECT":
            continue
        for interface in merged.interfaces:
            parent = state.merged.get(interface)
            for name, interface_field in parent.fields.items() if parent else ():
                if name in merged.fields or not _provided_by_interface_object(
                    state, interface, name
                ):
                    continue
                copied = [d for d in interface_field.directives if not d.startswith("@join__")]
                merged.fields[name] = MField(
                    name,
                    interface_field.type,
                    dict(interface_field.args),
                    interface_field.description,
                    [*copied, "@join__field"],
                )


def _provided_by_interface_object(state: MergeState, interface: str, field_name: str) -> bool:
    for subgraph in state.subgraphs:
        sub_type = subgraph.types.get(interface)
        if sub_type and sub_type.interface_object and field_name in sub_type.fields:
            return not sub_type.fields[field_name].external
    return False


def _check_extensions(state: MergeState, name: str, sources: TypeSources) -> None:
    if name in ("Query", "Mutation", "Subscription"):
        return
    if all(s.extension for s in sources.values()):
        for i in sources:
            subgraph = state.subgraphs[i].name
            state.error(
                "EXTENSION_WITH_NO_BASE",
                f'[{subgraph}] Type "{name}" is an extension type, but there is no type definition'
                f' for "{name}" in any subgraph.',
                [subgraph],
                name,
            )


def merge_all_types(state: MergeState) -> None:
    """Fill ``state.merged`` from every subgraph's types."""
    collected = _collect_sources(state)
    valid = {n: s for n, s in collected.items() if _check_kinds(state, n, s)}
    for name, sources in valid.items():
        _check_extensions(state, name, sources)
        state.merged[name] = _shell(state, name, sources)
    for name, sources in valid.items():
        merged = state.merged[name]
        if merged.kind in ("OBJECT", "INTERFACE"):
            _merge_composite_fields(state, merged, sources)
        elif merged.kind == "INPUT_OBJECT":
            merge_input(state, merged, sources)
    for name, sources in valid.items():
        if state.merged[name].kind == "ENUM":
            merge_enum(state, state.merged[name], sources)
    _add_interface_object_fields(state)
    _check_interface_fields(state)
    state.errors.extend(check_interface_objects(state))
    query = state.merged.get("Query")
    if query is None or not query.fields:
        state.merged.pop("Query", None)
        state.error(
            "NO_QUERIES",
            "No queries found in any subgraph: a supergraph must have a query root type.",
            [s.name for s in state.subgraphs],
            "Query",
        )
