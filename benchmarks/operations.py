"""Generate GraphQL operations from a schema, for planning and memory benchmarks over any graph
(the generated 50-subgraph supergraph has no hand-written queries).

An operation selects one root field with literal arguments and, below it, every leaf field and
every object field down to ``depth`` levels (at most ``breadth`` object fields per level), so it
crosses the entity jumps the schema has.
"""

from __future__ import annotations

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined

__all__ = ["literal_for", "operation_for_root_field", "operations_for_schema"]


def literal_for(type_: GraphQLInputType) -> str:
    """A valid literal for a required input (nullable inputs are left out by the caller)."""
    if isinstance(type_, GraphQLNonNull):
        return literal_for(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{literal_for(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = [
            f"{name}: {literal_for(field.type)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(required) + "}"
    if isinstance(type_, GraphQLScalarType):
        return {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(type_.name, '"1"')
    raise TypeError(f"no literal for {type_}")


def _arguments(arguments: dict[str, GraphQLArgument]) -> str:
    required = [
        f"{name}: {literal_for(arg.type)}"
        for name, arg in arguments.items()
        if isinstance(arg.type, GraphQLNonNull)
    ]
    return f"({', '.join(required)})" if required else ""


def _selection(type_: GraphQLObjectType | GraphQLInterfaceType, depth: int, breadth: int) -> str:
    parts: list[str] = []
    nested = 0
    for name, field in type_.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue  # keep operations argument-free below the root
        named = get_named_type(field.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and depth > 0:
            if nested < breadth:
                nested += 1
                parts.append(f"{name} {_selection(named, depth - 1, breadth)}")
        elif isinstance(named, GraphQLUnionType) and depth > 0:
            parts.append(f"{name} {{ __typename }}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def operation_for_root_field(
    schema: GraphQLSchema, field_name: str, *, depth: int = 3, breadth: int = 2
) -> str:
    """``query Op_<field> { <field>(args) { ... } }`` over the schema's query type."""
    query_type = schema.query_type
    if query_type is None or field_name not in query_type.fields:
        raise KeyError(f"Query.{field_name} is not in the schema")
    field = query_type.fields[field_name]
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        selection = " " + _selection(named, depth - 1, breadth)
    elif isinstance(named, GraphQLUnionType):
        selection = " { __typename }"
    else:
        selection = ""
    return f"query Op_{field_name} {{ {field_name}{_arguments(field.args)}{selection} }}"


def operations_for_schema(
    schema: GraphQLSchema, count: int, *, depth: int = 3, breadth: int = 2
) -> list[str]:
    """``count`` operations on root fields spread evenly over the query type's fields."""
    query_type = schema.query_type
    if query_type is None:
        return []
    names = [n for n in query_type.fields if not n.startswith("_")]
    step = max(1, len(names) // max(1, count))
    chosen = names[::step][:count]
    return [operation_for_root_field(schema, n, depth=depth, breadth=breadth) for n in chosen]
