"""Per-subgraph schemas rebuilt from a supergraph, to validate every fetch a plan sends.

Test-only: each subgraph's types (``@join__type``), fields (``@join__field`` with their
subgraph ``type:``), implementations, union members and enum values, plus the subgraph spec's
``_Any``/``_Entity``/``_entities``. An ``@interfaceObject`` is an object type in its subgraph.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema, print_ast

from router.supergraph import Supergraph, TypeDef

__all__ = ["subgraph_schema"]

_BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}


def _arguments(supergraph: Supergraph, type_name: str, field: str) -> str:
    named = supergraph.schema.type_map[type_name]
    node = named.fields[field].ast_node  # type: ignore[attr-defined]
    args = [
        f"{a.name.value}: {print_ast(a.type)}"
        + (f" = {print_ast(a.default_value)}" if a.default_value else "")
        for a in (node.arguments or ())
    ]
    return f"({', '.join(args)})" if args else ""


def _fields(supergraph: Supergraph, typedef: TypeDef, graph: str) -> list[str]:
    lines = []
    for field in typedef.fields.values():
        entry = supergraph.field_in_graph(typedef.name, field.name, graph)
        if entry is None:
            continue
        arguments = (
            ""
            if typedef.kind == "INPUT_OBJECT"
            else _arguments(supergraph, typedef.name, field.name)
        )
        if entry.context_arguments:  # @fromContext arguments exist only in their subgraph
            inner = ", ".join(f"{a.name}: {a.type}" for a in entry.context_arguments)
            arguments = f"({arguments[1:-1]}, {inner})" if arguments else f"({inner})"
        lines.append(f"  {field.name}{arguments}: {entry.type or field.type}")
    return lines


def _definition(supergraph: Supergraph, typedef: TypeDef, graph: str) -> str | None:
    located = typedef.graphs.get(graph)
    if located is None or typedef.name in _BUILTIN:
        return None
    if typedef.kind == "SCALAR":
        return f"scalar {typedef.name}"
    if typedef.kind == "ENUM":
        values = [v.name for v in typedef.enum_values if not v.graphs or graph in v.graphs]
        return f"enum {typedef.name} {{ {' '.join(values)} }}"
    if typedef.kind == "UNION":
        members = typedef.union_members.get(graph) or supergraph.schema_union_members(typedef.name)
        return f"union {typedef.name} = {' | '.join(members)}"
    kind = {"OBJECT": "type", "INTERFACE": "interface", "INPUT_OBJECT": "input"}[typedef.kind]
    if located.is_interface_object:
        kind = "type"
    interfaces = typedef.implements.get(graph, ())
    head = f"{kind} {typedef.name}" + (
        f" implements {' & '.join(interfaces)}" if interfaces else ""
    )
    fields = _fields(supergraph, typedef, graph)
    return head + " {\n" + "\n".join(fields) + "\n}" if fields else None


@cache
def subgraph_schema(supergraph: Supergraph, graph: str) -> GraphQLSchema:
    """The schema of subgraph ``graph`` as far as the supergraph tells."""
    parts = [
        text
        for typedef in supergraph.types.values()
        if (text := _definition(supergraph, typedef, graph)) is not None
    ]
    entities = sorted(
        t.name
        for t in supergraph.types.values()
        if (t.kind == "OBJECT" and graph in t.graphs and t.graphs[graph].keys)
        or (t.kind == "INTERFACE" and graph in t.graphs and t.graphs[graph].is_interface_object)
    )
    parts.append("scalar _Any")
    query = supergraph.query_type
    if entities:
        parts.append(f"union _Entity = {' | '.join(entities)}")
        extra = "_entities(representations: [_Any!]!): [_Entity]!"
    else:
        extra = "_service: String"
    if not any(p.startswith(f"type {query} ") for p in parts):
        parts.append(f"type {query} {{ {extra} }}")
    else:
        parts.append(f"extend type {query} {{ {extra} }}")
    return build_schema("\n\n".join(parts))
