"""Hypothesis strategies for GraphQL documents built from a schema (graphql-core's
``GraphQLSchema``): valid operations (fields, arguments, aliases, named and inline fragments,
``@skip``/``@include``, variables) and broken ones (syntax garbage, unknown fields, invalid
literals, deep nesting, huge alias counts, wrong variable types).

Documents are built as text so that the parser itself is fuzzed; the valid ones are checked with
graphql-core's ``validate`` before they are sent (a generator bug must not pass as a server bug).
Mutations are never generated as valid operations: the session's seeded stores are shared.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from hypothesis import strategies as st

__all__ = ["Operation", "broken_operations", "valid_operations"]

UPCS = [f"1000000000{n:02d}" for n in range(1, 13)] + ["999999999999", ""]
IDS = ["1", "2", "5", "10", "11", "0", "-1", "abc"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _text(r: random.Random, least: int, most: int, alphabet: str = LETTERS + 'é"\\ 0{') -> str:
    return "".join(r.choice(alphabet) for _ in range(r.randint(least, most)))


def _sample(r: random.Random, items: list[Any], least: int, most: int) -> list[Any]:
    return r.sample(items, r.randint(least, min(most, len(items))))


@dataclass
class Operation:
    """A document, its variables and whether it is meant to validate."""

    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None
    valid: bool = True


@dataclass
class _Builder:
    """State while drawing one operation: fragments defined, variables declared."""

    r: random.Random
    schema: GraphQLSchema
    fragments: list[str] = field(default_factory=list)
    variable_defs: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    aliases: int = 0
    max_depth: int = 2
    with_arguments: set[tuple[str, str]] = field(default_factory=set)

    def variable(self, type_text: str, value: Any) -> str:
        name = f"v{len(self.variable_defs)}"
        self.variable_defs.append(f"${name}: {type_text}")
        self.variables[name] = value
        return f"${name}"


def _type_text(type_: Any) -> str:
    if isinstance(type_, GraphQLNonNull):
        return f"{_type_text(type_.of_type)}!"
    if isinstance(type_, GraphQLList):
        return f"[{_type_text(type_.of_type)}]"
    return str(type_.name)


def _scalar_value(r: random.Random, type_: GraphQLNamedType, arg_name: str) -> Any:
    name = type_.name
    if name == "Int":
        return r.choice([0, 1, 2, 3, 4, 5, 6, -1, 100])
    if name == "Float":
        return r.uniform(-10, 10)
    if name == "Boolean":
        return r.random() < 0.5
    if "upc" in arg_name.lower():
        return r.choice(UPCS)
    if name == "ID" or arg_name.lower().startswith("id"):
        return r.choice(IDS)
    if arg_name in ("after", "category"):
        return r.choice(["", "YXJyYXljb25uZWN0aW9uOjE=", "decor", "garbage", "1"])
    return _text(r, 0, 8)


def _value(
    r: random.Random, type_: Any, arg_name: str, depth: int = 0, nullable: bool = True
) -> Any:
    """A Python value valid for the input type."""
    if isinstance(type_, GraphQLNonNull):
        return _value(r, type_.of_type, arg_name, depth, nullable=False)
    if nullable and r.randint(0, 9) == 0:
        return None
    if isinstance(type_, GraphQLList):
        return [_value(r, type_.of_type, arg_name, depth + 1) for _ in range(r.randint(0, 3))]
    if isinstance(type_, GraphQLEnumType):
        return r.choice(list(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: _value(r, f.type, n, depth + 1)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) or (r.random() < 0.5)
        }
    return _scalar_value(r, type_, arg_name)


def _literal(value: Any, type_: Any) -> str:
    """``value`` as a GraphQL literal of ``type_``."""
    named = get_named_type(type_)
    if value is None:
        return "null"
    if isinstance(value, list):
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        item = inner.of_type if isinstance(inner, GraphQLList) else inner
        return "[" + ", ".join(_literal(v, item) for v in value) + "]"
    if isinstance(named, GraphQLEnumType):
        return str(value)
    if isinstance(named, GraphQLInputObjectType):
        parts = [f"{k}: {_literal(v, named.fields[k].type)}" for k, v in value.items()]
        return "{" + ", ".join(parts) + "}"
    return json.dumps(value)


def _argument(b: _Builder, name: str, arg: GraphQLArgument) -> str | None:
    required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    if not required and (b.r.random() < 0.5):
        return None
    value = _value(b.r, arg.type, name)
    if b.r.randint(0, 3) == 0:
        return f"{name}: {b.variable(_type_text(arg.type), value)}"
    return f"{name}: {_literal(value, arg.type)}"


def _directives(b: _Builder) -> str:
    choice = b.r.randint(0, 7)
    if choice == 0:
        return f" @skip(if: {'true' if (b.r.random() < 0.5) else 'false'})"
    if choice == 1:
        return f" @include(if: {'true' if (b.r.random() < 0.5) else 'false'})"
    if choice == 2:
        directive = b.r.choice(["skip", "include"])
        return f" @{directive}(if: {b.variable('Boolean!', (b.r.random() < 0.5))})"
    return ""


def _selection_set(b: _Builder, type_: GraphQLNamedType, depth: int) -> str:
    if is_abstract_type(type_):
        possible = b.schema.get_possible_types(type_)  # type: ignore[arg-type]
        parts = ["__typename"]
        for obj in _sample(b.r, list(possible), 0, 2):
            parts.append(f"... on {obj.name} {_selection_set(b, obj, depth + 1)}")
        return "{ " + " ".join(parts) + " }"
    assert isinstance(type_, GraphQLObjectType)
    names = sorted(type_.fields)
    picked = _sample(b.r, names, 1, 4)
    parts = [_field(b, type_, n, depth) for n in picked]
    extra = b.r.randint(0, 9)
    if extra == 0:
        parts.append("__typename")
    elif extra == 1:
        parts.append(f"...{_fragment(b, type_, depth)}")
    elif extra == 2:
        cond = f" on {type_.name}" if (b.r.random() < 0.5) else ""
        parts.append(f"...{cond}{_directives(b)} {_selection_set(b, type_, depth + 1)}")
    return "{ " + " ".join(parts) + " }"


def _fragment(b: _Builder, type_: GraphQLObjectType, depth: int) -> str:
    name = f"F{len(b.fragments)}"
    b.fragments.append("")  # reserve the name before nested fragments take theirs
    index = len(b.fragments) - 1
    b.fragments[index] = f"fragment {name} on {type_.name} {_selection_set(b, type_, depth + 1)}"
    return f"{name}{_directives(b)}"


def _field(b: _Builder, parent: GraphQLObjectType, name: str, depth: int) -> str:
    definition = parent.fields[name]
    named = get_named_type(definition.type)
    prefix = ""
    key = (parent.name, name)
    if definition.args and key in b.with_arguments:  # differing arguments must not merge
        b.aliases += 1
        prefix = f"{name}_{b.aliases}: "
    elif definition.args:
        b.with_arguments.add(key)
    elif b.r.randint(0, 4) == 0 and b.aliases < 8:
        b.aliases += 1
        prefix = f"{_text(b.r, 1, 6, LETTERS)}_{b.aliases}: "
    args = [a for a in (_argument(b, n, arg) for n, arg in definition.args.items()) if a]
    text = prefix + name + (f"({', '.join(args)})" if args else "") + _directives(b)
    if is_leaf_type(named):
        return text
    if depth >= b.max_depth:
        return f"{text} {{ __typename }}"
    return f"{text} {_selection_set(b, named, depth + 1)}"


@st.composite
def valid_operations(draw: Any, schema: GraphQLSchema) -> Operation:
    """A query that validates against ``schema`` (no mutations: the stores are shared)."""
    r = random.Random(draw(st.integers(0, 2**32)))  # one draw: hypothesis-tracked Random is slow
    b = _Builder(r, schema)
    query_type = schema.query_type
    assert query_type is not None
    root = _selection_set(b, query_type, 0)
    name = r.choice([None, "Fuzz"])
    header = "query" + (f" {name}" if name else "")
    if b.variable_defs:
        header += f"({', '.join(b.variable_defs)})"
    elif name is None and (r.random() < 0.5):
        header = ""
    text = f"{header} {root}".strip()
    document = "\n".join([text, *b.fragments]) if b.fragments else text
    return Operation(document, b.variables, name if (r.random() < 0.5) else None)


GARBAGE = st.sampled_from(
    ["{", "}", "{{", "query {", "query Q($: Int) { a }", "{ a(b: ) }", "fragment on on on",
     "{ a @ }", "\u0000", "\"unterminated", "{ ... }", "query Q { a } query Q { a }",
     "{ __typename(x: 1) }", "{ product(upc: 1) { name } }", "{ topProducts(first: \"x\") { upc } }",
     "{ topProducts(first: 99999999999) { upc } }", "{ product { name } }",
     "{ product(upc: \"1\") }", "{ topProducts { upc { x } } }", "mutation { nope }",
     "subscription { x }", "{ ...Missing }", "fragment F on Product { ...F } { topProducts { ...F } }",
     "query ($a: Int!) { topProducts(first: $a) { upc } }", "{ a: topProducts { upc } a: me { id } }",
     "query { topProducts @skip { upc } }", "query { topProducts @nope { upc } }", ""]
)  # fmt: skip


def _deep(depth: int) -> str:
    inner = "upc"
    for _ in range(depth):
        inner = f"reviews {{ product {{ {inner} }} }}"
    return f"{{ topProducts(first: 1) {{ {inner} }} }}"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


@st.composite
def broken_operations(draw: Any, schema: GraphQLSchema) -> Operation:
    """An operation that must be refused cleanly (or, for mutations of valid docs, is refused
    before any store is touched because it goes over GET or has wrong variables)."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return Operation(draw(GARBAGE), valid=False)
    if kind == 1:
        return Operation(draw(st.text(max_size=60)), valid=False)
    if kind == 2:
        valid = draw(valid_operations(schema))
        cut = draw(st.integers(0, max(0, len(valid.query) - 1)))
        return Operation(valid.query[:cut], valid.variables, valid=False)
    if kind == 3:
        return Operation(_deep(draw(st.integers(1, 40))), valid=False)
    if kind == 4:
        return Operation(_aliases(draw(st.integers(20, 400))), valid=False)
    if kind == 5:
        valid = draw(valid_operations(schema))
        unknown = draw(st.sampled_from(["nope", "__nope", "upcc", "Product"]))
        return Operation(
            valid.query.replace("{ ", "{ " + unknown + " ", 1), valid.variables, valid=False
        )
    if kind == 6:
        wrong = draw(st.sampled_from(['"x"', "1.5", "[1]", "{}", "true", "null", "99999999999"]))
        query = "query ($n: Int!) { topProducts(first: $n) { upc } }"
        return Operation(query, {"n": json.loads(wrong) if wrong != '"x"' else "x"}, valid=False)
    valid = draw(valid_operations(schema))
    values = st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=2)
    variables = {name: draw(values) for name in valid.variables}
    return Operation(valid.query, variables, valid=False)
