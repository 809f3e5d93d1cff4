"""``@requires``: fetch the required fields first, send them in the representation.

The required field set (on the entity type) is planned like client fields in the context the
entity fetch was entered from, so it may itself need jumps (to other subgraphs, or chains of
``@requires``). The dependent fetch then depends on every fetch that delivered a required field.
When a required field can only come *after* this very fetch (the fetch, or one it leads to,
delivers it), the field with ``@requires`` moves to a later fetch to the same subgraph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from router.planning.context import Context
from router.planning.errors import PlanningError
from router.planning.groups import FetchGroup
from router.planning.internal import internal_selections, representation_fields
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
    selections, renames = internal_selections(selection, source.siblings)
    touched: list[FetchGroup] = []
    sources = list(sources)
    for position in sources:
        touched.extend(g for g in walker.place(position, selections) if g not in touched)
    target = ctx
    variant = 0
    while any(_within(group, target.group) for group in touched):
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
