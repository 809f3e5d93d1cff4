"""Seeded random *valid* operations over an API schema, and their minimisation (issue 14).

Each operation picks root fields, arguments (from small pools of values the fixture data
knows, plus misses), aliases (also the same field twice with different arguments), nested
selections down a few levels, ``__typename``, inline fragments on the possible types of
abstract fields, named fragments, and ``@skip``/``@include`` with literal or variable
conditions. Every operation is checked with graphql-core's ``validate`` before use: a
generator bug must never pass as a router bug. :func:`minimise` deletes selections (and
arguments/directives) while a predicate still holds, keeping the document valid.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    parse,
    print_ast,
    validate,
)

__all__ = ["RandomOperation", "generate", "minimise"]

STRINGS = ["1", "2", "3", "4", "5", "101", "102", "1001", "999", "", "a"]
INTS = [0, 1, 2, 3, 5, -1]


@dataclass
class RandomOperation:
    """One generated operation: the document text and its variables."""

    query: str
    variables: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, schema: GraphQLSchema, rng: random.Random) -> None:
        self.schema = schema
        self.rng = rng
        self.variables: dict[str, bool] = {}
        self.fragments: dict[str, str] = {}

    def literal(self, type_: Any) -> str | None:
        """A literal for an input type (``None``: leave the optional argument out)."""
        nullable = not isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if nullable and self.rng.random() < 0.3:
            return None
        if isinstance(inner, GraphQLList):
            items = [
                self.literal(GraphQLNonNull(inner.of_type)) for _ in range(self.rng.randint(0, 3))
            ]
            return "[" + ", ".join(i for i in items if i is not None) + "]"
        if isinstance(inner, GraphQLEnumType):
            return self.rng.choice(list(inner.values))
        if isinstance(inner, GraphQLInputObjectType):
            parts = []
            for name, value_field in inner.fields.items():
                value = self.literal(value_field.type)
                if value is not None:
                    parts.append(f"{name}: {value}")
            return "{" + ", ".join(parts) + "}"
        name = inner.name
        if name in ("Int",):
            return str(self.rng.choice(INTS))
        if name == "Float":
            return str(self.rng.choice([0.5, 1.0, 10.0]))
        if name == "Boolean":
            return self.rng.choice(["true", "false"])
        return '"' + self.rng.choice(STRINGS) + '"'

    def directive(self) -> str:
        roll = self.rng.random()
        if roll > 0.15:
            return ""
        kind = self.rng.choice(["skip", "include"])
        if self.rng.random() < 0.3:
            return f" @{kind}(if: {self.rng.choice(['true', 'false'])})"
        name = (
            f"v{len(self.variables)}"
            if self.rng.random() < 0.7 or not self.variables
            else (self.rng.choice(sorted(self.variables)))
        )
        self.variables.setdefault(name, self.rng.random() < 0.5)
        return f" @{kind}(if: ${name})"

    def field(self, name: str, definition: GraphQLField, depth: int) -> str:
        arguments = []
        for arg_name, argument in definition.args.items():
            value = self.literal(argument.type)
            if value is not None:
                arguments.append(f"{arg_name}: {value}")
        head = name + (f"({', '.join(arguments)})" if arguments else "")
        if self.rng.random() < 0.2:
            head = f"{self.rng.choice(['a', 'b', 'x', 'id', 'name'])}{depth}: {head}"
        head += self.directive()
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return head
        if depth >= 4:
            return head + " { __typename }"
        return head + " " + self.selection_set(named, depth + 1)

    def selection_set(self, parent: Any, depth: int) -> str:
        parts: list[str] = []
        if is_abstract_type(parent) or self.rng.random() < 0.15:
            parts.append("__typename")
        fields = getattr(parent, "fields", {}) or {}
        names = list(fields)
        for name in self.rng.sample(names, min(len(names), self.rng.randint(1, 3))):
            parts.append(self.field(name, fields[name], depth))
        if is_abstract_type(parent) or self.rng.random() < 0.1:
            possible = (
                list(self.schema.get_possible_types(parent))
                if is_abstract_type(parent)
                else [parent]
            )
            for target in self.rng.sample(possible, min(len(possible), self.rng.randint(1, 2))):
                inner = self.selection_set(target, depth + 1) if depth < 5 else "{ __typename }"
                if self.rng.random() < 0.25:
                    fragment = f"F{len(self.fragments)}"
                    self.fragments[fragment] = f"fragment {fragment} on {target.name} {inner}"
                    parts.append(f"...{fragment}{self.directive()}")
                else:
                    parts.append(f"... on {target.name}{self.directive()} {inner}")
        return "{ " + " ".join(parts) + " }"

    def operation(self) -> RandomOperation:
        query_type = self.schema.query_type
        assert isinstance(query_type, GraphQLObjectType)
        body = self.selection_set(query_type, 1)
        header = "query Q"
        if self.variables:
            header += "(" + ", ".join(f"${n}: Boolean!" for n in sorted(self.variables)) + ")"
        text = " ".join([f"{header} {body}", *self.fragments.values()])
        return RandomOperation(text, dict(self.variables))


def generate(schema: GraphQLSchema, rng: random.Random, attempts: int = 50) -> RandomOperation:
    """A random operation that validates against ``schema``."""
    for _ in range(attempts):
        candidate = _Builder(schema, rng).operation()
        if not validate(schema, parse(candidate.query)):
            return candidate
    raise RuntimeError("no valid operation generated (a generator bug)")


def _selection_sets(node: Any) -> list[SelectionSetNode]:
    found: list[SelectionSetNode] = []
    if isinstance(node, DocumentNode):
        for definition in node.definitions:
            found.extend(_selection_sets(definition))
        return found
    selection_set = getattr(node, "selection_set", None)
    if selection_set is not None:
        found.append(selection_set)
        for selection in selection_set.selections:
            found.extend(_selection_sets(selection))
    return found


def _variants(document: DocumentNode) -> list[DocumentNode]:
    """Documents with one selection (or one field's arguments/directives) removed."""
    variants: list[DocumentNode] = []
    text = print_ast(document)
    for index, selection_set in enumerate(_selection_sets(document)):
        for position in range(len(selection_set.selections)):
            copy = parse(text, no_location=True)
            target = _selection_sets(copy)[index]
            selections = list(target.selections)
            removed = selections.pop(position)
            if selections:
                target.selections = tuple(selections)
                variants.append(copy)
            if isinstance(removed, FieldNode | InlineFragmentNode) and removed.directives:
                copy = parse(text, no_location=True)
                node = _selection_sets(copy)[index].selections[position]
                node.directives = ()
                variants.append(copy)
    return variants


def minimise(
    operation: RandomOperation,
    schema: GraphQLSchema,
    still_differs: Callable[[RandomOperation], bool],
    budget: int = 200,
) -> RandomOperation:
    """Delete selections while ``still_differs`` holds (valid documents only, at most
    ``budget`` tries); unused variables and fragments are dropped on the way."""
    current = operation
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for variant in _variants(parse(current.query, no_location=True)):
            candidate = _clean(variant, current.variables)
            if candidate is None or validate(schema, parse(candidate.query)):
                continue
            tries += 1
            if still_differs(candidate):
                current = candidate
                progress = True
                break
            if tries >= budget:
                break
    return current


def _clean(document: DocumentNode, variables: dict[str, Any]) -> RandomOperation | None:
    """The document without unused variable definitions and fragments."""
    text = print_ast(document)
    used = {
        name
        for name in variables
        if len(re.findall(rf"\${name}\b", text)) > len(re.findall(rf"\${name}:", text))
    }
    operation = document.definitions[0]
    definitions = [
        d
        for d in getattr(operation, "variable_definitions", ()) or ()
        if d.variable.name.value in used
    ]
    operation.variable_definitions = tuple(definitions)  # type: ignore[union-attr]
    fragments_used = set(re.findall(r"\.\.\.(F\d+)", text))
    document.definitions = tuple(
        d
        for d in document.definitions
        if d is operation or getattr(getattr(d, "name", None), "value", None) in fragments_used
    )
    return RandomOperation(print_ast(document), {n: v for n, v in variables.items() if n in used})
