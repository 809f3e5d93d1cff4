"""Stage 3: fetch groups -> the plan tree (Sequence, Parallel, Flatten, Condition).

Each group runs after its parent; the children of a group run in parallel, except that a child
needing what a sibling (or a sibling's descendant) fetches, for ``@requires`` or key fields, runs
after that sibling: single-dependency chains become a Sequence inside the Parallel, anything else
is layered. Query root fetches run in parallel, mutation root fetches in order. A group whose
selections all sit under ``@skip``/``@include`` variables is wrapped in Condition nodes.
"""

from __future__ import annotations

from collections.abc import Callable

from router.planning.errors import PlanningError
from router.planning.groups import Conditions, FetchGroup
from router.planning.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)

__all__ = ["build_plan"]

FetchFactory = Callable[[FetchGroup], FetchNode]


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, SequenceNode) else (node,))
    return flat[0] if len(flat) == 1 else SequenceNode(tuple(flat))


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, ParallelNode) else (node,))
    return flat[0] if len(flat) == 1 else ParallelNode(tuple(flat))


def _wrap(node: PlanNode, conditions: Conditions) -> PlanNode:
    for variable, expected in sorted(conditions, reverse=True):
        node = (
            ConditionNode(variable, node, None) if expected else ConditionNode(variable, None, node)
        )
    return node


class _Builder:
    def __init__(self, groups: list[FetchGroup], make_fetch: FetchFactory) -> None:
        self.make_fetch = make_fetch
        self.live = [g for g in groups if not g.selection.is_empty()]
        self.children: dict[int, list[FetchGroup]] = {}
        for group in self.live:
            if group.parent is not None:
                self.children.setdefault(group.parent.index, []).append(group)

    def subtree(self, group: FetchGroup, outer: Conditions) -> PlanNode:
        fetch = self.make_fetch(group)
        node: PlanNode = (
            FlattenNode(group.path, fetch, tuple(group.more_paths)) if group.is_entity else fetch
        )
        conditions = group.conditions or frozenset()
        kids = self.children.get(group.index, [])
        if kids:
            node = _sequence([node, self.schedule(kids, outer | conditions)])
        return _wrap(node, conditions - outer)

    def _top_sibling(self, group: FetchGroup, siblings: list[FetchGroup]) -> FetchGroup | None:
        current: FetchGroup | None = group
        while current is not None and current not in siblings:
            current = current.parent
        return current

    def schedule(self, kids: list[FetchGroup], outer: Conditions) -> PlanNode:
        preds: dict[int, list[FetchGroup]] = {}
        for kid in kids:
            found: list[FetchGroup] = []
            for dependency in kid.dependencies:
                top = self._top_sibling(dependency, kids)
                if top is not None and top is not kid and top not in found:
                    found.append(top)
            preds[kid.index] = found
        units = self._chains(_topological(kids, preds), preds)
        layers: list[list[list[FetchGroup]]] = []
        done: set[int] = set()
        remaining = list(units)
        while remaining:
            layer = [
                unit
                for unit in remaining
                if all(p.index in done or p in unit for member in unit for p in preds[member.index])
            ]
            if not layer:
                raise PlanningError("cyclic dependencies between fetches")
            layers.append(layer)
            done.update(member.index for unit in layer for member in unit)
            remaining = [unit for unit in remaining if unit not in layer]
        return _sequence(
            [
                _parallel([_sequence([self.subtree(m, outer) for m in unit]) for unit in layer])
                for layer in layers
            ]
        )

    def _chains(
        self, kids: list[FetchGroup], preds: dict[int, list[FetchGroup]]
    ) -> list[list[FetchGroup]]:
        """Fold ``s -> c`` into one unit when ``c`` needs only ``s`` and only ``c`` needs ``s``."""
        successors: dict[int, list[FetchGroup]] = {}
        for kid in kids:
            for pred in preds[kid.index]:
                successors.setdefault(pred.index, []).append(kid)
        unit_of: dict[int, list[FetchGroup]] = {}
        units: list[list[FetchGroup]] = []
        for kid in kids:
            mine = preds[kid.index]
            if len(mine) == 1 and len(successors.get(mine[0].index, [])) == 1:
                unit = unit_of.get(mine[0].index)
                if unit is not None and unit[-1] is mine[0]:
                    unit.append(kid)
                    unit_of[kid.index] = unit
                    continue
            unit = [kid]
            units.append(unit)
            unit_of[kid.index] = unit
        return units


def _topological(kids: list[FetchGroup], preds: dict[int, list[FetchGroup]]) -> list[FetchGroup]:
    """``kids`` reordered so every group follows the siblings it needs (stable otherwise)."""
    ordered: list[FetchGroup] = []
    remaining = list(kids)
    while remaining:
        ready = next(
            (k for k in remaining if all(p in ordered for p in preds[k.index])), remaining[0]
        )
        ordered.append(ready)
        remaining.remove(ready)
    return ordered


def build_plan(
    groups: list[FetchGroup], roots: list[FetchGroup], serial: bool, make_fetch: FetchFactory
) -> PlanNode | None:
    """The plan tree for ``roots`` (in order) and everything that depends on them."""
    builder = _Builder(groups, make_fetch)
    nodes = [builder.subtree(root, frozenset()) for root in roots if root in builder.live]
    if not nodes:
        return None
    return _sequence(nodes) if serial else _parallel(nodes)
