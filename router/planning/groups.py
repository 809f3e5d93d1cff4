"""Fetch groups: the fetches a plan is made of, while the walk is still filling them.

A group is one request to one subgraph: a root fetch (selections on the root type) or an entity
fetch (``_entities`` at a response ``path``, with a representation shape). It remembers the group
it was created from (``parent``), the groups whose results it needs (``dependencies``: the parent
plus those delivering ``@requires`` and key fields), and the ``@skip``/``@include`` conditions
common to everything it fetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planning.plan import FetchRewrite, KeyRenamer
from router.planning.selection import SelectionBuffer

__all__ = ["Conditions", "FetchGroup", "GroupRegistry"]

Conditions = frozenset[tuple[str, bool]]


@dataclass(eq=False, slots=True)
class FetchGroup:
    """One fetch under construction."""

    index: int
    service: str
    parent: FetchGroup | None
    path: tuple[str, ...] = ()
    more_paths: list[tuple[str, ...]] = field(default_factory=list)
    """Further paths whose objects this (merged) entity fetch also serves."""
    is_entity: bool = False
    selection: SelectionBuffer = field(default_factory=SelectionBuffer)
    requires: SelectionBuffer = field(default_factory=SelectionBuffer)
    dependencies: list[FetchGroup] = field(default_factory=list)
    conditions: Conditions | None = None
    input_rewrites: list[FetchRewrite] = field(default_factory=list)
    output_rewrites: list[FetchRewrite] = field(default_factory=list)
    context_rewrites: list[KeyRenamer] = field(default_factory=list)
    """Where each entity's ``@fromContext`` values are, relative to it (``..`` = one field up)."""
    context_variables: dict[str, str] = field(default_factory=dict)
    client_keys: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """Response keys the client selects on the objects at this fetch's paths: key -> the
    (field, arguments) it names there (an entity answer must not write another field there)."""
    """``contextualArgument_…`` variable -> its type in the subgraph."""

    def depend_on(self, groups: list[FetchGroup]) -> None:
        """Record that this fetch needs what ``groups`` fetch (never itself)."""
        for group in groups:
            if group is not self and group not in self.dependencies:
                self.dependencies.append(group)

    def add_input_rewrite(self, rewrite: FetchRewrite) -> None:
        """Record an input rewrite once."""
        if rewrite not in self.input_rewrites:
            self.input_rewrites.append(rewrite)

    def narrow_conditions(self, conditions: Conditions) -> None:
        """Keep only the conditions every selection of the group is under."""
        self.conditions = conditions if self.conditions is None else self.conditions & conditions


@dataclass(slots=True)
class GroupRegistry:
    """All groups of a plan, in creation order, with lookup of reusable entity groups."""

    groups: list[FetchGroup] = field(default_factory=list)
    _entity: dict[tuple[int, str, tuple[str, ...], int], FetchGroup] = field(default_factory=dict)

    def root(self, service: str, *, reuse: FetchGroup | None = None) -> FetchGroup:
        """A new root group, or ``reuse`` when it is for the same service."""
        if reuse is not None and reuse.service == service:
            return reuse
        group = FetchGroup(len(self.groups), service, None)
        self.groups.append(group)
        return group

    def entity(
        self, parent: FetchGroup, service: str, path: tuple[str, ...], variant: int = 0
    ) -> tuple[FetchGroup, bool]:
        """The entity group for ``service`` at ``path`` under ``parent``; ``True`` if new.

        ``variant`` > 0 asks for another fetch to the same place (one that must run later).
        """
        key = (parent.index, service, path, variant)
        found = self._entity.get(key)
        if found is not None:
            return found, False
        group = FetchGroup(len(self.groups), service, parent, path, is_entity=True)
        group.depend_on([parent])
        self.groups.append(group)
        self._entity[key] = group
        return group, True

    def existing_entity(
        self, parent: FetchGroup, service: str, path: tuple[str, ...]
    ) -> FetchGroup | None:
        return self._entity.get((parent.index, service, path, 0))
