"""Stage 2b: one entity fetch per subgraph and plan step, whatever the number of paths.

Two entity fetches with the same parent, the same subgraph and the same dependencies run at the
same step of the plan. When they ask for the same representation shape and their selections
merge without a conflict (no response key naming two different fields, spec 5.3.2 "Field
Selection Merging"), one ``_entities`` request serves both: the executor collects the
representations at every path of the merged fetch (deduplicated, so an entity reached through
two aliases is sent once) and merges each answer into the objects at all of them. The client's
selection set is projected at the end, so fields one path asked for are never shown at the
other. Hive's planner merges such sibling fetches the same way; Apollo's sends one per path.
"""

from __future__ import annotations

from collections.abc import Callable

from router.planning.groups import FetchGroup
from router.planning.selection import FieldEntry, FragmentEntry, SelectionBuffer

__all__ = ["merge_sibling_fetches"]


def _conflicts(into: SelectionBuffer, other: SelectionBuffer) -> bool:
    """Whether merging ``other`` into ``into`` would give a response key two meanings."""
    for entry in other.entries.values():
        if isinstance(entry, FragmentEntry):
            mine = into.entries.get(("fragment", entry.type_condition or "", entry.directives))
            if isinstance(mine, FragmentEntry) and _conflicts(mine.sub, entry.sub):
                return True
            continue
        for mine_entry in into.entries.values():
            if not isinstance(mine_entry, FieldEntry):
                continue
            if mine_entry.response_key != entry.response_key:
                continue
            if (mine_entry.name, mine_entry.arguments) != (entry.name, entry.arguments):
                return True
            if (mine_entry.sub is None) != (entry.sub is None) or mine_entry.type_ref != (
                entry.type_ref
            ):
                return True
            if (
                mine_entry.sub is not None
                and entry.sub is not None
                and _conflicts(mine_entry.sub, entry.sub)
            ):
                return True
    return False


def _adds_non_null(into: SelectionBuffer, other: SelectionBuffer) -> bool:
    """Whether ``other`` selects a non-null field ``into`` does not, where ``into``'s objects
    would see its null: a field error there nulls the enclosing object up to the nearest
    nullable field (spec 6.4.4 "Handling Field Errors"), so after a merge an error of one
    path's field would erase the entity the other path asked for (audit suite ``typename``:
    ``a2: users { __typename ... on Admin { isMain } }`` beside ``users { __typename }``; the
    references answer the second path's objects). A new nullable field's null stays there, and
    the same field under another alias (``a: stories { views } b: stories { x: views }``)
    fails alike on both paths."""
    for key, entry in other.entries.items():
        mine = into.entries.get(key)
        if isinstance(entry, FragmentEntry):
            inner = mine.sub if isinstance(mine, FragmentEntry) else SelectionBuffer()
            if _adds_non_null(inner, entry.sub):
                return True
        elif mine is None:
            if entry.name == "__typename" or not entry.type_ref.endswith("!"):
                continue
            same = (entry.name, entry.arguments)
            if not any(  # the same field under another alias fails alike on both paths
                isinstance(e, FieldEntry) and (e.name, e.arguments) == same
                for e in into.entries.values()
            ):
                return True
        elif mine.sub is not None and entry.sub is not None and _adds_non_null(mine.sub, entry.sub):
            return True
    return False


def _merge(into: SelectionBuffer, other: SelectionBuffer) -> None:
    for key, entry in other.entries.items():
        mine = into.entries.get(key)
        if mine is None:
            into.entries[key] = entry
        elif mine.sub is not None and entry.sub is not None:
            _merge(mine.sub, entry.sub)


def _answer_keys(
    buf: SelectionBuffer, into: dict[str, tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    """Response key -> (field, arguments) of what the fetch writes on each entity object."""
    for entry in buf.entries.values():
        if isinstance(entry, FieldEntry):
            into.setdefault(entry.response_key, (entry.name, entry.arguments))
        else:
            _answer_keys(entry.sub, into)
    return into


def _overwrites(group: FetchGroup, other: FetchGroup) -> bool:
    """Whether ``other``'s answer, merged into the objects at ``group``'s paths, would write a
    response key the client uses there for another field (``x2: upc`` beside another path's
    ``x2: shippingEstimate``): the merged answer would replace the client's value."""
    return any(
        key in group.client_keys and group.client_keys[key] != {named}
        for key, named in _answer_keys(other.selection, {}).items()
    )


def _mergeable(first: FetchGroup, second: FetchGroup) -> bool:
    return (
        first.is_entity
        and second.is_entity
        and first.service == second.service
        and first.parent is second.parent
        and first.path != second.path
        and set(map(id, first.dependencies)) == set(map(id, second.dependencies))
        and (first.conditions or frozenset()) == (second.conditions or frozenset())
        and first.requires.render() == second.requires.render()
        and first.input_rewrites == second.input_rewrites
        and first.output_rewrites == second.output_rewrites
        and first.context_rewrites == second.context_rewrites
        and first.context_variables == second.context_variables
        and not _conflicts(first.selection, second.selection)
        and not _adds_non_null(first.selection, second.selection)
        and not _adds_non_null(second.selection, first.selection)
        and not _overwrites(first, second)
        and not _overwrites(second, first)
    )


def _absorb(first: FetchGroup, second: FetchGroup, groups: list[FetchGroup]) -> None:
    _merge(first.selection, second.selection)
    first.more_paths.extend((second.path, *second.more_paths))
    for key, named in second.client_keys.items():
        first.client_keys.setdefault(key, set()).update(named)
    second.selection = SelectionBuffer()
    for group in groups:
        if group.parent is second:
            group.parent = first
        if any(dependency is second for dependency in group.dependencies):
            group.dependencies = [d for d in group.dependencies if d is not second]
            group.depend_on([first])


def merge_sibling_fetches(
    groups: list[FetchGroup], part_of: Callable[[FetchGroup], object] | None = None
) -> None:
    """Merge entity fetches that can share one request (in place; absorbed groups end empty).

    Repeated until nothing merges: a merge can make the dependents of both fetches siblings
    with equal dependencies in turn. ``part_of`` (``@defer``) keeps fetches of different
    delivery parts apart.
    """
    merged = True
    while merged:
        merged = False
        live = [g for g in groups if g.is_entity and not g.selection.is_empty()]
        for index, first in enumerate(live):
            for second in live[index + 1 :]:
                if first.selection.is_empty() or second.selection.is_empty():
                    continue
                if part_of is not None and part_of(first) != part_of(second):
                    continue
                if _mergeable(first, second):
                    _absorb(first, second, groups)
                    merged = True
