"""``compose()``: subgraph SDLs in, a supergraph SDL or coded errors out (never raises).

The pipeline of @apollo/composition: read and validate each subgraph (``subgraph``,
``subgraph_rules``), merge the types (``merge_types``), check that every field of the API schema
can be resolved through some chain of fetches (``satisfiability``) and print the supergraph in
the standard link/join format (``supergraph_sdl``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from router.composition.context import MergeState, graph_enum_names
from router.composition.errors import CompositionError
from router.composition.fed1 import share_fields_resolved_elsewhere
from router.composition.inaccessible_rules import check_inaccessible
from router.composition.merge_types import merge_all_types
from router.composition.metadata import compute_metadata
from router.composition.model import Subgraph
from router.composition.satisfiability import check_satisfiability
from router.composition.subgraph import build_subgraph
from router.composition.subgraph_rules import validate_subgraph
from router.composition.supergraph_sdl import render_supergraph

__all__ = ["CompositionResult", "SubgraphInput", "compose"]


@dataclass(frozen=True)
class SubgraphInput:
    """A subgraph to compose: its name, routing URL and SDL."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class CompositionResult:
    """The supergraph SDL, or the errors that prevented it."""

    supergraph_sdl: str | None
    errors: tuple[CompositionError, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors

    @property
    def error_codes(self) -> list[str]:
        return [error.code for error in self.errors]


def _read(inputs: Sequence[SubgraphInput], errors: list[CompositionError]) -> list[Subgraph]:
    subgraphs = []
    for item in sorted(inputs, key=lambda s: s.name):
        subgraph = build_subgraph(item.name, item.url, item.sdl, errors)
        if subgraph is not None:
            compute_metadata(subgraph)
            errors.extend(validate_subgraph(subgraph))
            subgraphs.append(subgraph)
    share_fields_resolved_elsewhere(subgraphs)
    return subgraphs


def compose(inputs: Sequence[SubgraphInput]) -> CompositionResult:
    """Compose the subgraphs into a supergraph (Apollo Federation 2 composition)."""
    errors: list[CompositionError] = []
    names = [item.name for item in inputs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if not inputs or duplicates:
        message = (
            "No subgraphs to compose"
            if not inputs
            else f"Subgraph names must be unique: {', '.join(duplicates)} appear more than once"
        )
        return CompositionResult(None, (CompositionError("INVALID_SUBGRAPH_NAME", message),))
    subgraphs = _read(inputs, errors)
    if errors:
        return CompositionResult(None, tuple(errors))
    state = MergeState(subgraphs, graph_enum_names([s.name for s in subgraphs]))
    state.repeatable.update(
        name
        for s in subgraphs
        for name, (_, _, directive) in s.composed_directives.items()
        if directive.is_repeatable
    )
    merge_all_types(state)
    if not state.errors:
        state.errors.extend(check_inaccessible(state))
    if not state.errors:
        state.errors.extend(check_satisfiability(state))
    if state.errors:
        return CompositionResult(None, tuple(state.errors))
    return CompositionResult(render_supergraph(state))
