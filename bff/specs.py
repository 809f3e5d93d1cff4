"""What a loader fetches: an entity selection (:class:`EntitySpec`) or a root field call
(:class:`RootField` of a :class:`RootTemplate`); plain data shared by the loaders and the step batcher.

Both are built from a parsed operation of the BFF's router document (``bff_web.operations``,
``bff_mobile.operations``): one named operation with one root field, its arguments given as
variables. Nothing is assembled from strings: the step batcher aliases these syntax trees
(:mod:`bff.step_document`) and the arguments travel as variables, so a value can never change
the document's shape, and ``schema check`` validates exactly what is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
from graphql import DocumentNode, FieldNode, OperationDefinitionNode, OperationType, print_ast

__all__ = [
    "EntitySpec",
    "RootField",
    "RootTemplate",
    "operation_named",
    "root_field_of",
    "short_hash",
]


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def operation_named(document: DocumentNode, name: str) -> OperationDefinitionNode:
    """The operation called ``name`` in ``document`` (a ``KeyError`` names a missing one)."""
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        if definition.name.value == name:
            return definition
    raise KeyError(f"no operation {name} in the router document")


def root_field_of(operation: OperationDefinitionNode) -> FieldNode:
    """The one root field a piece selects (a piece is aliased into a step as a whole)."""
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        name = operation.name.value if operation.name else "?"
        raise ValueError(f"router operation {name} must select exactly one root field")
    return selections[0]


@dataclass(frozen=True)
class EntitySpec:
    """One entity type fetched with one selection through a list-by-keys root field: the
    operation declares ``$keys`` (``productsByUpc(upcs: $keys) { ... }``)."""

    name: str
    """Names the cache kind (``WebProductCard``)."""
    operation: OperationDefinitionNode = field(compare=False, repr=False)
    ttl_seconds: int
    tag_prefix: str
    """Invalidation tag of key ``k`` is ``{tag_prefix}:{k}`` (e.g. ``Product:1``)."""

    def __post_init__(self) -> None:
        if self.operation.operation is not OperationType.QUERY:
            raise ValueError(f"{self.name}: an entity piece is a query")
        root_field_of(self.operation)
        declared = {d.variable.name.value for d in self.operation.variable_definitions or ()}
        if declared != {"keys"}:
            raise ValueError(f"{self.name}: an entity piece declares exactly $keys")

    @cached_property
    def kind(self) -> str:
        """The cache kind: the selection is part of it, so a changed selection is a new kind."""
        return f"{self.name}:{short_hash(print_ast(self.operation))}"


@dataclass(frozen=True)
class RootTemplate:
    """A root field call written once with ``$variables`` (``topProducts(first: $first)``);
    resolvers bind the values (:meth:`call`), which are sent as variables."""

    operation: OperationDefinitionNode = field(repr=False)

    def __post_init__(self) -> None:
        if self.operation.operation is not OperationType.QUERY:
            raise ValueError(f"{self.name}: a root piece is a query")
        root_field_of(self.operation)

    @property
    def name(self) -> str:
        return self.operation.name.value if self.operation.name else "?"

    @cached_property
    def variables(self) -> frozenset[str]:
        return frozenset(d.variable.name.value for d in self.operation.variable_definitions or ())

    @cached_property
    def text(self) -> str:
        return print_ast(self.operation)

    def call(
        self, ttl_seconds: int = 0, tags: tuple[str, ...] = (), **values: str | int | None
    ) -> RootField:
        """The :class:`RootField` with every declared variable bound (no more, no fewer)."""
        if set(values) != self.variables:
            raise TypeError(f"{self.name} takes {sorted(self.variables)}, got {sorted(values)}")
        return RootField(self, tuple(sorted(values.items())), ttl_seconds, tags)


@dataclass(frozen=True)
class RootField:
    """A root field call: its template and the variable values it binds."""

    template: RootTemplate = field(compare=False)
    values: tuple[tuple[str, str | int | None], ...]
    ttl_seconds: int = field(default=0, compare=False)
    """0: never cached (identity-dependent fields)."""
    tags: tuple[str, ...] = field(default=(), compare=False)
    name: str = field(default="", init=False)
    """The template's name: part of equality, so one memo key per (template, values)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.template.name)

    @property
    def variables(self) -> Mapping[str, Any]:
        return dict(self.values)

    @cached_property
    def cache_key(self) -> str:
        return short_hash(self.template.text + orjson.dumps(self.values).decode())
