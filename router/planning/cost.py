"""Cost estimate used to choose between subgraphs that can all resolve a field.

Federation lets several subgraphs resolve a field (``@shareable``, entity fields in many
subgraphs); the planner prefers the choice needing fewer extra fetches. The estimate counts the
entity jumps (and ``@requires`` fetches) a selection needs when resolved from a given subgraph,
choosing recursively the cheapest subgraph at each jump; it is pure and memoized per walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import FieldNode

from router.planning.capabilities import Capabilities, Provided, provided_from
from router.planning.normalize import NField, NFragment, NSelection

__all__ = ["CostModel"]

_MAX_DEPTH = 8
_NO_JUMP = 3
"""Cost of a field no entity jump reaches (a re-entry from an enclosing object, or none)."""


@dataclass(slots=True)
class CostModel:
    """Estimated extra fetches to resolve selections from a subgraph."""

    capabilities: Capabilities
    _memo: dict[tuple[str, str, int], tuple[tuple[NSelection, ...], int]] = field(
        default_factory=dict
    )
    """(service, type, id(selections)) -> (the selections, kept alive so ids stay unique; cost)."""

    def cost(
        self,
        service: str,
        type_name: str,
        selections: tuple[NSelection, ...] | None,
        provided: Provided | None = None,
        depth: int = 0,
    ) -> int:
        if not selections or depth > _MAX_DEPTH:
            return 0
        key = (service, type_name, id(selections))
        if provided is None and key in self._memo:
            return self._memo[key][1]
        jumps: set[str] = set()
        total = 0
        for parent, item in self._fields(service, type_name, selections):
            total += self._field_cost(service, parent, item, provided, jumps=jumps, depth=depth)
        if provided is None:
            self._memo[key] = (selections, total)
        return total

    def _fields(
        self, service: str, type_name: str, selections: tuple[NSelection, ...]
    ) -> list[tuple[str, NField]]:
        """The fields to resolve, skipping fragments on types ``service`` never returns here."""
        supergraph = self.capabilities.supergraph
        result: list[tuple[str, NField]] = []
        for selection in selections:
            if isinstance(selection, NFragment):
                if selection.defer is not None:
                    continue  # fetched by a deferred part, not where this choice is made
                condition = selection.type_condition or type_name
                if condition not in supergraph.types:
                    continue
                if condition != type_name and not any(
                    supergraph.is_subtype(condition, runtime)
                    for runtime in supergraph.possible_types_in(type_name, service)
                ):
                    continue
                result.extend(self._fields(service, condition, selection.selections))
            elif selection.name != "__typename":
                result.append((type_name, selection))
        return result

    def _field_cost(
        self,
        service: str,
        parent: str,
        item: NField,
        provided: Provided | None,
        *,
        jumps: set[str],
        depth: int,
    ) -> int:
        supergraph = self.capabilities.supergraph
        fielddef = supergraph.types[parent].fields.get(item.name)
        if fielddef is None:
            return 0
        if supergraph.types[parent].kind == "INTERFACE" and not self._agree(
            service, parent, item.name, provided
        ):
            # the walk splits per runtime type: as costly as the costliest implementation
            runtimes = supergraph.possible_types_in(parent, service)
            return max(
                (
                    self._field_cost(service, runtime, item, provided, jumps=jumps, depth=depth)
                    for runtime in runtimes
                    if item.name in supergraph.types[runtime].fields
                ),
                default=0,
            )
        child_type = fielddef.named_type
        if self.capabilities.resolvable(parent, item.name, service, provided):
            entry = self.capabilities.entry(parent, item.name, service)
            if entry is not None and entry.type:
                child_type = entry.type.strip("[]!")  # the subgraph's own (maybe narrower) type
            sub = provided.get(item.name) if provided else None
            if entry is not None and entry.provides is not None:
                sub = provided_from(entry.provides, sub)
            extra = 1 if entry is not None and entry.requires is not None else 0
            return extra + self.cost(service, child_type, item.selections, sub, depth + 1)
        candidates = [
            (
                (0 if graph in jumps else 1)
                + self.cost(graph, child_type, item.selections, None, depth + 1),
                index,
                graph,
            )
            for index, graph in enumerate(self.capabilities.graphs_resolving(parent, item.name))
            if parent in _roots(self) or self._key_reachable(service, parent, graph, provided)
        ]
        if not candidates:
            return _NO_JUMP
        best = min(candidates)
        jumps.add(best[2])
        return best[0]

    def _agree(self, service: str, interface: str, field: str, provided: Provided | None) -> bool:
        """Whether ``service`` resolves ``interface.field`` for every implementation it returns."""
        capabilities, supergraph = self.capabilities, self.capabilities.supergraph
        if not capabilities.resolvable(interface, field, service, provided):
            return False
        located = supergraph.types[interface].graphs.get(service)
        if located is not None and located.is_interface_object:
            return True
        return all(
            capabilities.resolvable(runtime, field, service, provided)
            for runtime in supergraph.possible_types_in(interface, service)
            if field in supergraph.types[runtime].fields
        )

    def _key_reachable(
        self, service: str, type_name: str, graph: str, provided: Provided | None
    ) -> bool:
        """Whether ``graph`` has a key of ``type_name`` whose top-level fields ``service`` has."""
        capabilities = self.capabilities
        return any(
            all(
                capabilities.resolvable(type_name, node.name.value, service, provided)
                for node in key.selection.selections
                if isinstance(node, FieldNode)
            )
            for key in capabilities.keys(type_name, graph)
        )


def _roots(model: CostModel) -> tuple[str, ...]:
    supergraph = model.capabilities.supergraph
    return tuple(
        t
        for t in (supergraph.query_type, supergraph.mutation_type, supergraph.subscription_type)
        if t
    )
