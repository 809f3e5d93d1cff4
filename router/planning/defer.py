"""Planning ``@defer``: a :class:`DeferNode` with a primary part and deferred parts.

Follows Apollo's query planner (``DeferNode``, ``PrimaryDeferBlock``, ``DeferredDeferBlock``):

- the primary part is the operation without its deferred fragments, planned as usual; it also
  selects ``__typename`` and the key fields of every entity a deferred fragment hangs off;
- a deferred fragment on an entity gets its own fetches: ``_entities`` from the primary
  results (its fields go to the subgraph the primary fetch came from when that subgraph resolves
  them, else straight to the subgraph that does), and whatever those need after them;
- a deferred fragment at the query root gets its own root fetches;
- a deferred fragment on a value type (no key to re-enter the object) has no fetches of its own:
  the primary fetches bring its fields and it is delivered right after the primary part (Apollo
  does the same, a ``Deferred`` block without a node);
- ``@defer(if: $v)`` plans both ways under a ``Condition`` on ``$v`` (Apollo's shape), and
  ``if: false`` inlines the fragment (normalization drops the mark).

Each deferred block lists the fetches it reads (``depends``: their ``id``), its ``label``, the
``queryPath`` of the objects it completes and its ``subselection``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
)

from router.planning.build import build_plan
from router.planning.capabilities import Capabilities
from router.planning.context import Context
from router.planning.defer_directive import DeferMark
from router.planning.errors import PlanningError
from router.planning.fetches import fetch_node
from router.planning.groups import Conditions, FetchGroup
from router.planning.merge_fetches import merge_sibling_fetches
from router.planning.normalize import NField, NFragment, NormalizedOperation, NSelection
from router.planning.plan import (
    ConditionNode,
    DeferDependency,
    DeferNode,
    DeferredDeferBlock,
    FetchNode,
    PlanNode,
    PrimaryDeferBlock,
)
from router.planning.roots import plan_roots, root_type
from router.planning.targets import choose_target
from router.planning.walk import Walker
from router.supergraph import Supergraph

__all__ = ["MAX_DEFER_CONDITIONS", "has_defer", "plan_with_defers", "print_selections"]

MAX_DEFER_CONDITIONS = 4
"""``@defer(if: $v)`` variables planned per operation (each doubles the plan)."""
_VARIANT_BASE = 1_000_000
"""Entity groups of deferred block ``n`` use registry variant ``_VARIANT_BASE + n``, so they
never share a fetch with the primary part (variants below are ``@requires`` re-fetches)."""


def has_defer(selections: tuple[NSelection, ...]) -> bool:
    """Whether any fragment below carries ``@defer``."""
    for selection in selections:
        if isinstance(selection, NFragment):
            if selection.defer is not None or has_defer(selection.selections):
                return True
        elif selection.selections is not None and has_defer(selection.selections):
            return True
    return False


def _if_variables(selections: tuple[NSelection, ...], found: dict[str, None]) -> dict[str, None]:
    for selection in selections:
        if isinstance(selection, NFragment):
            if selection.defer is not None and selection.defer.if_variable is not None:
                found[selection.defer.if_variable] = None
            _if_variables(selection.selections, found)
        elif selection.selections is not None:
            _if_variables(selection.selections, found)
    return found


def _resolve(selections: tuple[NSelection, ...], off: frozenset[str]) -> tuple[NSelection, ...]:
    """Marks with ``if: $v``: dropped when ``v`` is in ``off``, unconditional otherwise."""
    result: list[NSelection] = []
    for selection in selections:
        if isinstance(selection, NFragment):
            mark = selection.defer
            if mark is not None and mark.if_variable is not None:
                mark = None if mark.if_variable in off else DeferMark(mark.label)
            result.append(
                replace(selection, defer=mark, selections=_resolve(selection.selections, off))
            )
        elif selection.selections is not None:
            result.append(replace(selection, selections=_resolve(selection.selections, off)))
        else:
            result.append(selection)
    return tuple(result)


def _without_defers(selections: tuple[NSelection, ...]) -> tuple[NSelection, ...]:
    """The selections with every deferred fragment removed (what a part delivers itself)."""
    result: list[NSelection] = []
    for selection in selections:
        if isinstance(selection, NFragment):
            if selection.defer is None:
                result.append(replace(selection, selections=_without_defers(selection.selections)))
        elif selection.selections is not None:
            result.append(replace(selection, selections=_without_defers(selection.selections)))
        else:
            result.append(selection)
    return tuple(result)


# -- subselections: text (Apollo's one-line ``toString``) and syntax tree (for shaping) -----


def print_selections(selections: tuple[NSelection, ...], indent: int = 0) -> str:
    """A subselection in graphql-js ``print`` layout (``indent``: depth of the opening brace);
    an empty one is ``{}``. Plan JSON shows it on one line, as Apollo's ``toString``."""
    if not selections:
        return "{}"
    pad = "  " * (indent + 1)
    lines = ["{"]
    for selection in selections:
        if isinstance(selection, NField):
            head = f"{selection.alias}: {selection.name}" if selection.alias else selection.name
            if selection.arguments:
                head += f"({selection.arguments})"
            if selection.directives:
                head += f" {selection.directives}"
            if selection.selections is not None:
                head += f" {print_selections(selection.selections, indent + 1)}"
        else:
            head = "..."
            if selection.type_condition:
                head += f" on {selection.type_condition}"
            if selection.directives:
                head += f" {selection.directives}"
            head += f" {print_selections(selection.selections, indent + 1)}"
        lines.append(pad + head)
    lines.append("  " * indent + "}")
    return "\n".join(lines)


def _condition_directives(conditions: frozenset[tuple[str, bool]]) -> tuple[DirectiveNode, ...]:
    return tuple(
        DirectiveNode(
            name=NameNode(value="include" if expected else "skip"),
            arguments=(
                ArgumentNode(
                    name=NameNode(value="if"), value=VariableNode(name=NameNode(value=variable))
                ),
            ),
        )
        for variable, expected in sorted(conditions)
    )


def _syntax(selections: tuple[NSelection, ...]) -> SelectionSetNode:
    """The selections as a graphql-core selection set: what the shaper reads (response keys,
    type conditions and ``@skip``/``@include`` variables; arguments do not matter there)."""
    nodes: list[SelectionNode] = []
    for selection in selections:
        directives = _condition_directives(selection.conditions)
        if isinstance(selection, NField):
            nodes.append(
                FieldNode(
                    name=NameNode(value=selection.name),
                    alias=NameNode(value=selection.alias) if selection.alias else None,
                    arguments=(),
                    directives=directives,
                    selection_set=(
                        _syntax(selection.selections) if selection.selections is not None else None
                    ),
                )
            )
        else:
            condition = selection.type_condition
            nodes.append(
                InlineFragmentNode(
                    type_condition=(
                        NamedTypeNode(name=NameNode(value=condition)) if condition else None
                    ),
                    directives=directives,
                    selection_set=_syntax(selection.selections),
                )
            )
    return SelectionSetNode(selections=tuple(nodes))


# -- placing deferred fragments during the walk --------------------------------------------


@dataclass(eq=False, slots=True)
class _Block:
    index: int
    mark: DeferMark
    parent: _Block | None
    query_path: tuple[str, ...]
    type_name: str
    selections: tuple[NSelection, ...]
    conditions: Conditions
    tops: list[FetchGroup] = field(default_factory=list)
    """The block's first fetches (entity fetches off an earlier part, or root fetches)."""
    roots: list[FetchGroup] = field(default_factory=list)

    def add_top(self, group: FetchGroup) -> None:
        if group not in self.tops:
            self.tops.append(group)


def _query_path(ctx: Context) -> tuple[str, ...]:
    path = tuple(p for p in ctx.path if p != "@")
    if ctx.path_condition:
        path += (f"... on {ctx.path_condition}",)
    return path


def _split_root(
    selections: tuple[NSelection, ...], conditions: Conditions
) -> tuple[tuple[NSelection, ...], list[tuple[NFragment, Conditions]]]:
    """Root selections without their deferred fragments, and those fragments."""
    primary: list[NSelection] = []
    deferred: list[tuple[NFragment, Conditions]] = []
    for selection in selections:
        if isinstance(selection, NFragment):
            inner = conditions | selection.conditions
            if selection.defer is not None:
                deferred.append((selection, inner))
                continue
            kept, more = _split_root(selection.selections, inner)
            primary.append(replace(selection, selections=kept))
            deferred.extend(more)
        else:
            primary.append(selection)
    return tuple(primary), deferred


class _Deferrer:
    """The walker's hook for ``@defer`` fragments: records blocks and places their fields."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.blocks: list[_Block] = []
        self.current: _Block | None = None
        self._pending: _Block | None = None
        """A block opened at the enclosing object of a `... on T @defer` fragment."""

    def _open(
        self,
        mark: DeferMark,
        path: tuple[str, ...],
        type_name: str,
        selections: tuple[NSelection, ...],
        conditions: Conditions,
    ) -> _Block:
        block = _Block(
            len(self.blocks), mark, self.current, path, type_name, selections, conditions
        )
        self.blocks.append(block)
        return block

    def __call__(self, walker: Walker, ctx: Context, fragment: NFragment) -> list[FetchGroup]:
        mark = fragment.defer
        assert mark is not None
        condition = fragment.type_condition
        conditions = ctx.conditions | fragment.conditions
        if condition is not None and condition != ctx.type_name:
            # Apollo's shape: the block sits at the enclosing object, its subselection keeps
            # `... on T`; the fetches are planned from the narrowed object
            shown = replace(fragment, defer=None)
            self._pending = self._open(mark, _query_path(ctx), condition, (shown,), conditions)
            inner = NFragment(None, "", (), fragment.selections, frozenset(), mark)
            narrowing = NFragment(condition, "", (), (inner,))
            try:
                return walker.place_fragment(ctx, narrowing)
            finally:
                self._pending = None
        if ctx.type_name == self.root and not ctx.path:
            self.at_root(walker, fragment, conditions)
            return [ctx.group]
        block = self._pending
        self._pending = None
        if block is None:
            shown_selections: tuple[NSelection, ...] = fragment.selections
            if fragment.directives or fragment.type_condition:
                # `... on T @include(if: $x) { ... }` kept in the subselection, as Apollo does
                shown_selections = (replace(fragment, defer=None),)
            block = self._open(mark, _query_path(ctx), ctx.type_name, shown_selections, conditions)
        outer, self.current = self.current, block
        try:
            key, _ = walker.pick_key(ctx, ctx.group.service, ctx.type_name)
            if key is None:
                # a value type: the primary fetches bring the fields (no fetch of its own)
                plain = replace(fragment, type_condition=None, defer=None)
                return walker.place(ctx, (plain,))
            self._place_entity(walker, ctx, block, fragment.selections)
        finally:
            self.current = outer
        return [ctx.group]

    def _place_entity(
        self, walker: Walker, ctx: Context, block: _Block, selections: tuple[NSelection, ...]
    ) -> None:
        service, type_name = ctx.group.service, ctx.type_name
        variant = _VARIANT_BASE + block.index
        local: Context | None = None
        for item in selections:
            if isinstance(item, NFragment) and item.defer is not None:
                self(walker, ctx, item)
                continue
            conditions = block.conditions | item.conditions
            if (
                isinstance(item, NField)
                and item.name != "__typename"
                and not walker.capabilities.resolvable(type_name, item.name, service, None)
            ):
                chosen = choose_target(
                    walker.capabilities,
                    walker.costs,
                    walker.registry,
                    ctx,
                    item,
                    remote_ok=True,
                    feeding=(),
                )
                if chosen is not None:
                    inner = walker.entity_context(ctx, chosen[0], chosen[1], variant)
                    block.add_top(inner.group)
                    inner.group.narrow_conditions(conditions)
                    walker.place_field(inner, item)
                    continue
            if local is None:
                local = walker.entity_context(ctx, service, type_name, variant)
                block.add_top(local.group)
            local.group.narrow_conditions(conditions)
            walker.place(local, (item,))

    def at_root(self, walker: Walker, fragment: NFragment, conditions: Conditions) -> None:
        """A deferred fragment on the query root: root fetches of its own."""
        assert fragment.defer is not None
        if walker.serial:
            raise PlanningError("@defer on a mutation's root fields is not supported")
        block = self._open(fragment.defer, (), self.root, fragment.selections, conditions)
        outer, self.current = self.current, block
        saved, walker.roots = walker.roots, block.roots
        try:
            self._place_root_fields(walker, block, fragment.selections, conditions)
        finally:
            walker.roots = saved
            self.current = outer
        for group in block.roots:
            block.add_top(group)

    def _place_root_fields(
        self,
        walker: Walker,
        block: _Block,
        selections: tuple[NSelection, ...],
        conditions: Conditions,
    ) -> None:
        capabilities = walker.capabilities
        order = capabilities.supergraph.graph_names
        for item in selections:
            if isinstance(item, NFragment):
                inner = conditions | item.conditions
                if item.defer is not None:
                    self.at_root(walker, item, inner)
                else:
                    self._place_root_fields(walker, block, item.selections, inner)
                continue
            if item.name.startswith("__"):
                continue  # __typename / introspection: answered by the router
            candidates = capabilities.graphs_resolving(self.root, item.name)
            if not candidates:
                raise PlanningError(f"no subgraph resolves {self.root}.{item.name}")
            used = {group.service for group in block.roots}
            service = min(
                candidates,
                key=lambda graph: (
                    (0 if graph in used else 1) + walker.costs.cost(graph, self.root, (item,)),
                    order.index(graph),
                ),
            )
            group = walker.root_group(service)
            field_conditions = conditions | item.conditions
            context = Context(group, group.selection, self.root, (), None, field_conditions)
            walker.place_field(context, item)
            group.narrow_conditions(field_conditions)


# -- the plan -------------------------------------------------------------------------------


def plan_with_defers(
    supergraph: Supergraph, operation: NormalizedOperation, override_labels: frozenset[str]
) -> PlanNode | None:
    """The plan of a query with ``@defer`` fragments (``Condition`` nodes for ``if: $v``)."""
    if operation.kind == "subscription":
        raise PlanningError("@defer is not supported in subscriptions")
    variables = list(_if_variables(operation.selections, {}))
    if len(variables) > MAX_DEFER_CONDITIONS:
        raise PlanningError(
            f"@defer(if:) uses {len(variables)} variables; at most {MAX_DEFER_CONDITIONS} are "
            "supported"
        )
    return _conditional(supergraph, operation, override_labels, variables, frozenset())


def _conditional(
    supergraph: Supergraph,
    operation: NormalizedOperation,
    labels: frozenset[str],
    variables: list[str],
    off: frozenset[str],
) -> PlanNode | None:
    if variables:
        first, rest = variables[0], variables[1:]
        then = _conditional(supergraph, operation, labels, rest, off)
        otherwise = _conditional(supergraph, operation, labels, rest, off | {first})
        return ConditionNode(first, then, otherwise)
    resolved = replace(operation, selections=_resolve(operation.selections, off))
    return _plan_one(supergraph, resolved, labels)


def _plan_one(
    supergraph: Supergraph, operation: NormalizedOperation, labels: frozenset[str]
) -> PlanNode | None:
    walker = Walker(Capabilities(supergraph, labels))
    deferrer = _Deferrer(root_type(walker, operation.kind))
    deferring = has_defer(operation.selections)
    if deferring:
        walker.deferrer = deferrer
    primary_selections, root_defers = _split_root(operation.selections, frozenset())
    roots = plan_roots(walker, replace(operation, selections=primary_selections))
    for fragment, conditions in root_defers:
        deferrer.at_root(walker, fragment, conditions)
    tops = {group.index: block for block in deferrer.blocks for group in block.tops}

    def owner(group: FetchGroup) -> _Block | None:
        current: FetchGroup | None = group
        while current is not None:
            found = tops.get(current.index)
            if found is not None:
                return found
            current = current.parent
        return None

    def part(group: FetchGroup) -> int:
        found = owner(group)
        return -1 if found is None else found.index

    groups = walker.registry.groups
    merge_sibling_fetches(groups, part)
    needed = {
        dependency.index
        for block in deferrer.blocks
        for top in block.tops
        for dependency in top.dependencies
        if owner(dependency) is not block
    }
    numbers: dict[int, int] = {}

    def make_fetch(group: FetchGroup) -> FetchNode:
        number = numbers.setdefault(group.index, len(numbers))
        node = fetch_node(group, operation, number)
        return replace(node, id=str(number)) if group.index in needed else node

    serial = operation.kind == "mutation"
    primary = build_plan([g for g in groups if owner(g) is None], roots, serial, make_fetch)
    if not deferring:
        return primary

    def deferred_block(block: _Block) -> DeferredDeferBlock:
        mine = [g for g in groups if owner(g) is block]
        node = build_plan(mine, block.tops, False, make_fetch)
        selections = _without_defers(block.selections)
        text: str | None = print_selections(selections)
        syntax: SelectionSetNode | None = _syntax(selections)
        children = [b for b in deferrer.blocks if b.parent is block]
        if children:  # nested @defer: Apollo's Defer node inside the deferred block
            primary = PrimaryDeferBlock(print_selections(selections), node, _syntax(selections))
            node = DeferNode(primary, tuple(deferred_block(child) for child in children))
            text, syntax = None, None
        return DeferredDeferBlock(
            depends=tuple(_depends(block, owner, numbers)),
            label=block.mark.label,
            query_path=block.query_path,
            subselection=text,
            node=node,
            type_condition=block.type_name,
            conditions=tuple(sorted(block.conditions)),
            selection=syntax,
        )

    deferred = [deferred_block(block) for block in deferrer.blocks if block.parent is None]
    kept = _without_defers(operation.selections)
    return DeferNode(
        PrimaryDeferBlock(print_selections(kept), primary, _syntax(kept)), tuple(deferred)
    )


def _depends(
    block: _Block, find: Callable[[FetchGroup], _Block | None], numbers: dict[int, int]
) -> Iterable[DeferDependency]:
    """The fetches of earlier parts the block's first fetches read (Apollo's ``depends``)."""
    seen: set[int] = set()
    for top in block.tops:
        if top.selection.is_empty():
            continue
        for dependency in top.dependencies:
            number = numbers.get(dependency.index)
            if find(dependency) is block or number is None or number in seen:
                continue
            seen.add(number)
            yield DeferDependency(str(number))  # Apollo's planner sets no deferLabel either
