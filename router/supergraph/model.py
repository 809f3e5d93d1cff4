"""The supergraph model: what each subgraph contributes to every type and field.

Implements the reading side of Apollo's *join* spec (v0.2 to v0.5): ``@join__type`` (per-graph
keys, ``resolvable``, ``extension``, ``isInterfaceObject``), ``@join__field`` (``requires``,
``provides``, ``external``, ``override``/``overrideLabel``, ``usedOverridden``, ``type``),
``@join__implements``, ``@join__unionMember`` and ``@join__enumValue``; join v0.5
``contextArguments`` with the context spec's ``@context`` (Federation 2.8 ``@fromContext``). Everything is keyed by the
subgraph *name* (``join__graph(name:)``), the name plans print as ``service``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import GraphQLSchema, SelectionSetNode

__all__ = [
    "ContextArgument",
    "EnumValueDef",
    "FieldDef",
    "FieldInGraph",
    "Graph",
    "Key",
    "Supergraph",
    "SupergraphError",
    "TypeDef",
    "TypeInGraph",
    "TypeKind",
]

TypeKind = Literal["OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "SCALAR"]


class SupergraphError(ValueError):
    """The text is not a supergraph this router can run (the message says why)."""


@dataclass(frozen=True, slots=True)
class Graph:
    """One subgraph: the ``join__Graph`` enum value, its name and its routing URL."""

    enum_value: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Key:
    """``@join__type(graph:, key:, resolvable:)``: a key the subgraph declares for the type."""

    fields: str
    selection: SelectionSetNode
    resolvable: bool = True


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    """A type's presence in one subgraph (one or more ``@join__type`` for that graph)."""

    graph: str
    keys: tuple[Key, ...] = ()
    extension: bool = False
    is_interface_object: bool = False


@dataclass(frozen=True, slots=True)
class ContextArgument:
    """One ``join__ContextArgument``: argument ``name`` of type ``type`` takes its value from
    ``selection`` on the nearest enclosing object whose type sets ``@context(name: context)``."""

    name: str
    type: str
    context: str
    selection: str


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """A field's presence in one subgraph (``@join__field`` or implied by ``@join__type``)."""

    graph: str
    type: str | None = None
    requires: SelectionSetNode | None = None
    requires_text: str | None = None
    provides: SelectionSetNode | None = None
    provides_text: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: tuple[ContextArgument, ...] = ()
    """Arguments set from a ``@context`` (``@fromContext``, join v0.5 ``contextArguments``)."""


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A field of an object, interface or input type, with the subgraphs that define it."""

    name: str
    type: str
    named_type: str
    list_depth: int
    graphs: tuple[FieldInGraph, ...]
    arguments: tuple[str, ...] = ()
    inaccessible: bool = False


@dataclass(frozen=True, slots=True)
class EnumValueDef:
    """An enum value with the subgraphs that define it (``@join__enumValue``)."""

    name: str
    graphs: tuple[str, ...]
    inaccessible: bool = False


@dataclass(frozen=True, slots=True)
class TypeDef:
    """A named type of the supergraph with its per-subgraph facts."""

    name: str
    kind: TypeKind
    graphs: dict[str, TypeInGraph]
    fields: dict[str, FieldDef] = field(default_factory=dict)
    implements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per graph, the interfaces the type implements there (``@join__implements``)."""
    union_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per graph, the members of a union there (``@join__unionMember``)."""
    enum_values: tuple[EnumValueDef, ...] = ()
    inaccessible: bool = False
    contexts: tuple[str, ...] = ()
    """Context names the type sets (``@context(name:)`` in the supergraph)."""


@dataclass(frozen=True, slots=True, eq=False)
class Supergraph:
    """A loaded supergraph: the per-subgraph model, the full schema and the API schema.

    Compared and hashed by identity (one load, one object), so it can key caches.
    """

    sdl: str
    graphs: tuple[Graph, ...]
    types: dict[str, TypeDef]
    query_type: str
    mutation_type: str | None
    subscription_type: str | None
    schema: GraphQLSchema
    api_schema: GraphQLSchema

    def graph(self, name: str) -> Graph:
        """The subgraph called ``name``."""
        for graph in self.graphs:
            if graph.name == name:
                return graph
        raise KeyError(name)

    @property
    def graph_names(self) -> tuple[str, ...]:
        """Subgraph names in ``join__Graph`` order (the planner's tie-break order)."""
        return tuple(graph.name for graph in self.graphs)

    def type(self, name: str) -> TypeDef:
        """The type called ``name`` (``KeyError`` when absent)."""
        return self.types[name]

    def is_abstract(self, name: str) -> bool:
        """Interfaces and unions."""
        return self.types[name].kind in ("INTERFACE", "UNION")

    def is_composite(self, name: str) -> bool:
        """Objects, interfaces and unions: types with selection sets."""
        return self.types[name].kind in ("OBJECT", "INTERFACE", "UNION")

    def possible_types(self, name: str) -> tuple[str, ...]:
        """Object types a value of type ``name`` can have at runtime (sorted by name)."""
        typedef = self.types[name]
        if typedef.kind == "OBJECT":
            return (name,)
        objects: set[str] = set()
        if typedef.kind == "UNION":
            for members in typedef.union_members.values():
                objects.update(members)
            for member in self.schema_union_members(name):
                objects.add(member)
        else:
            for other in self.types.values():
                if other.kind == "OBJECT" and any(
                    name in interfaces for interfaces in other.implements.values()
                ):
                    objects.add(other.name)
        return tuple(sorted(objects))

    def schema_union_members(self, name: str) -> tuple[str, ...]:
        """Union members as the supergraph schema lists them."""
        union = self.schema.type_map.get(name)
        types = getattr(union, "types", None) or ()
        return tuple(member.name for member in types)

    def possible_types_in(self, name: str, graph: str) -> tuple[str, ...]:
        """Object types the subgraph ``graph`` may return for a value of type ``name``."""
        typedef = self.types[name]
        if graph not in typedef.graphs:
            return ()
        if typedef.kind == "OBJECT":
            return (name,)
        if typedef.kind == "UNION":
            if typedef.union_members:
                return tuple(sorted(typedef.union_members.get(graph, ())))
            return tuple(
                sorted(m for m in self.schema_union_members(name) if graph in self.types[m].graphs)
            )
        if typedef.graphs[graph].is_interface_object:
            return ()
        return tuple(
            sorted(
                other.name
                for other in self.types.values()
                if other.kind == "OBJECT" and name in other.implements.get(graph, ())
            )
        )

    def is_subtype(self, abstract: str, maybe_sub: str) -> bool:
        """Whether ``maybe_sub`` is ``abstract`` or one of its possible/implementing types."""
        if abstract == maybe_sub:
            return True
        if self.types[abstract].kind == "UNION":
            return maybe_sub in self.possible_types(abstract)
        sub = self.types.get(maybe_sub)
        if sub is None:
            return False
        return any(abstract in interfaces for interfaces in sub.implements.values())

    def field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        """The field's entry for ``graph``, or ``None`` when the subgraph does not define it."""
        fielddef = self.types[type_name].fields.get(field_name)
        if fielddef is None:
            return None
        for entry in fielddef.graphs:
            if entry.graph == graph:
                return entry
        return None
