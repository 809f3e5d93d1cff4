"""``@requires``: fetch the required fields first, send them in the representation.

The required field set (on the entity type) is planned like client fields in the context the
entity fetch was entered from, so it may itself need jumps (to other subgraphs, or chains of
``@requires``). The dependent fetch then depends on every fetch that delivered a required field.
When a required field can only come *after* this very fetch (the fetch, or one it leads to,
delivers it), the field with ``@requires`` moves to a later fetch to the same subgraph; so does
one whose required field clashes with another ``@requires`` of the type (same field, other
arguments: it is fetched under an alias and renamed back in its own representation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from router.planning.context import Context
from router.planning.errors import PlanningError
from router.planning.groups import FetchGroup
from router.planning.internal import internal_selections, representation_fields
from router.planning.selection import FragmentEntry
from router.supergraph import parse_field_set

if TYPE_CHECKING:
    from router.planning.walk import Walker

__all__ = ["satisfy_requires"]

_MAX_VARIANTS = 8


def _within(group: FetchGroup, ancestor: FetchGroup) -> bool:
    current: FetchGroup | None = group
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def _clashes(
    walker: Walker,
    group: FetchGroup,
    sources: list[Context],
    type_name: str,
    renames: dict[str, str],
) -> bool:
    """Whether the representation already sends a renamed field under its plain name (e.g.
    ``price(currency: "USD")`` for one ``@requires`` when another needs ``"EUR"``)."""
    for position in sources:
        input_type = walker.input_type(position, type_name)
        fragment = group.requires.entries.get(("fragment", input_type, ""))
        if isinstance(fragment, FragmentEntry) and any(
            ("field", name, "") in fragment.sub.entries for name in renames.values()
        ):
            return True
    return False


def satisfy_requires(walker: Walker, ctx: Context, requires: str) -> Context:
    """Plan ``requires`` for a field at the top of ``ctx``'s entity fetch.

    Returns the context (this fetch, or a later one) where the field itself goes.
    """
    selection = parse_field_set(requires)
    slot = (ctx.group.index, ctx.type_name)
    sources = walker.sources.get(slot)
    if not sources:
        raise PlanningError(f"@requires on {ctx.type_name} outside an entity fetch")
    source = sources[0]
    earlier = tuple(s for planned, _ in walker.requires_log.get(slot, []) for s in planned)
    selections, renames = internal_selections(selection, (*source.siblings, *earlier))
    touched: list[FetchGroup] = []
    sources = list(sources)
    for position in sources:
        touched.extend(g for g in walker.place(position, selections) if g not in touched)
    target = ctx
    variant = 0
    while any(_within(group, target.group) for group in touched) or _clashes(
        walker, target.group, sources, ctx.type_name, renames
    ):
        variant += 1
        if variant > _MAX_VARIANTS:
            raise PlanningError(f"@requires({requires}) of {ctx.type_name} cannot be ordered")
        for position in sources:
            target = walker.entity_context(position, ctx.group.service, ctx.type_name, variant)
    group = target.group
    for position in sources:
        input_type = walker.input_type(position, ctx.type_name)
        representation = group.requires.fragment(input_type)
        for rewrite in representation_fields(
            selection, representation, renames, input_type, walker.supergraph
        ):
            group.add_input_rewrite(rewrite)
    group.depend_on(touched)
    group.narrow_conditions(ctx.conditions)
    walker.requires_log.setdefault(slot, []).append((selections, group))
    return target
