"""Operation depth: how deeply fields nest (root fields are depth 1), fragments expanded in place.

As Apollo Router's ``limits.max_depth``: fragment spreads and inline fragments add no level of
their own; the deepest field decides. A fragment's depth is computed once (it does not depend on
where it is spread) and a fragment cycle (invalid, rejected by validation) counts as no depth
instead of recursing forever, so the check is safe to run before validation.

Introspection (``__schema``, ``__type``) counts as one level whatever its nesting: the router
answers it from its own API schema without calling any subgraph, it has its own switch (off in
production), and GraphiQL's schema query alone nests 15 levels deep.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from router.limits.errors import MAX_DEPTH_EXCEEDED, LimitExceeded
from router.limits.operation import fragment_definitions, select_operation

__all__ = ["check_depth", "measure_depth"]

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


class _Depth:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, int] = {}
        self.visiting: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> int:
        deepest = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value in _INTROSPECTION_ROOTS:
                    deepest = max(deepest, 1)
                    continue
                deepest = max(deepest, 1 + self.selection_set(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.fragment(selection.name.value))
        return deepest

    def fragment(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0
        self.visiting.add(name)
        self.memo[name] = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        return self.memo[name]


def measure_depth(document: DocumentNode, operation_name: str | None = None) -> int:
    """The depth of the selected operation (0 when there is none to measure)."""
    operation = select_operation(document, operation_name)
    if operation is None:
        return 0
    return _Depth(fragment_definitions(document)).selection_set(operation.selection_set)


def check_depth(
    document: DocumentNode, operation_name: str | None, max_depth: int
) -> LimitExceeded | None:
    depth = measure_depth(document, operation_name)
    if depth <= max_depth:
        return None
    return LimitExceeded(
        MAX_DEPTH_EXCEEDED,
        f"The operation has depth {depth}, more than the limit {max_depth}.",
        depth,
        max_depth,
    )
