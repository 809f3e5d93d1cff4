"""What a subgraph can resolve: the federation rules the walk asks about.

- a field is resolvable in a subgraph that defines it (``@join__field``, or the type's
  ``@join__type`` when the field has no ``@join__field``) unless it is ``@external`` there and not
  ``@provides``-d on the current path (composition already drops ``external`` from Federation 1
  key fields of ``extend type``, which their subgraph does resolve);
- ``@override(from:)`` removes the field from the overridden subgraph; with a progressive
  ``label`` the overriding entry is active only when the label is enabled for the request and the
  overridden one only when it is not;
- an entity jump into subgraph T needs a ``@key`` of the type in T with ``resolvable: true``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import FieldNode, SelectionSetNode

from router.supergraph import FieldInGraph, Key, Supergraph

__all__ = [
    "Capabilities",
    "Provided",
    "provided_from",
]

Provided = dict[str, "Provided | None"]
"""Fields a ``@provides`` makes resolvable below a field: name -> provided sub-fields."""


def provided_from(selection: SelectionSetNode, into: Provided | None = None) -> Provided:
    """A ``@provides`` field set as a :data:`Provided` tree (fragments merged in)."""
    result: Provided = dict(into or {})
    for node in selection.selections:
        if isinstance(node, FieldNode):
            previous = result.get(node.name.value)
            result[node.name.value] = (
                provided_from(node.selection_set, previous) if node.selection_set else previous
            )
        else:
            sub = getattr(node, "selection_set", None)
            if sub is not None:
                result = provided_from(sub, result)
    return result


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Resolvability questions about one supergraph under one set of override labels."""

    supergraph: Supergraph
    labels: frozenset[str]
    _entries: dict[tuple[str, str, str], FieldInGraph | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def active(self, entry: FieldInGraph) -> bool:
        """Whether a ``@join__field`` entry is in effect for this request's override labels."""
        if entry.override_label is None:
            return True
        enabled = entry.override_label in self.labels
        return enabled if entry.override is not None else not enabled

    def entry(self, type_name: str, field: str, graph: str) -> FieldInGraph | None:
        """The field's active entry in ``graph`` (memoized: the walk asks often)."""
        key = (type_name, field, graph)
        if key not in self._entries:
            self._entries[key] = self._entry(type_name, field, graph)
        return self._entries[key]

    def _entry(self, type_name: str, field: str, graph: str) -> FieldInGraph | None:
        found = self.supergraph.field_in_graph(type_name, field, graph)
        if found is None or not self.active(found):
            return None
        if found.override is None and self._overridden(type_name, field, graph):
            return None
        return found

    def _overridden(self, type_name: str, field: str, graph: str) -> bool:
        fielddef = self.supergraph.types[type_name].fields[field]
        return any(
            e.override == graph and e.graph != graph and self.active(e) for e in fielddef.graphs
        )

    def resolvable(self, type_name: str, field: str, graph: str, provided: Provided | None) -> bool:
        """Whether ``graph`` can return ``type_name.field`` on the current path."""
        if field == "__typename":
            return True
        entry = self.entry(type_name, field, graph)
        if entry is None:
            return False
        if entry.external or entry.used_overridden:
            return provided is not None and field in provided
        return True

    def graphs_resolving(self, type_name: str, field: str) -> tuple[str, ...]:
        """Subgraphs (``join__Graph`` order) where the field is resolvable without ``@provides``."""
        return tuple(
            g for g in self.supergraph.graph_names if self.resolvable(type_name, field, g, None)
        )

    def keys(self, type_name: str, graph: str) -> tuple[Key, ...]:
        """Keys of the type that ``graph`` can resolve an entity by (``resolvable: true``)."""
        located = self.supergraph.types[type_name].graphs.get(graph)
        return tuple(k for k in located.keys if k.resolvable) if located else ()

    def interface_objects(self, object_type: str, graph: str) -> tuple[str, ...]:
        """Interfaces of ``object_type`` that ``graph`` models as ``@interfaceObject``."""
        typedef = self.supergraph.types[object_type]
        interfaces = sorted({i for group in typedef.implements.values() for i in group})
        return tuple(
            i
            for i in interfaces
            if (located := self.supergraph.types[i].graphs.get(graph)) is not None
            and located.is_interface_object
        )

    def in_graph(self, type_name: str, graph: str) -> bool:
        return graph in self.supergraph.types[type_name].graphs
