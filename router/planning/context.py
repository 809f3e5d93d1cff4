"""Where the walk is: a fetch group, a position in its selection, the type and response path."""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.capabilities import Provided
from router.planning.groups import Conditions, FetchGroup
from router.planning.normalize import NField, NSelection
from router.planning.selection import SelectionBuffer

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    """Where the walk is: a group, a position in its selection, the type and response path."""

    group: FetchGroup
    buf: SelectionBuffer
    type_name: str
    path: tuple[str, ...]
    provided: Provided | None = None
    conditions: Conditions = frozenset()
    at_entity_top: bool = False
    path_condition: str | None = None
    siblings: tuple[NSelection, ...] = ()
    """The client's selections on the current object (to avoid their response keys)."""
    ancestors: tuple[tuple[Context, NField], ...] = ()
    """Each enclosing object's context and the field leading down from it (outermost first)."""
