"""Alias and root-field counts: the two cheap limits against alias amplification (one field asked
for thousands of times under different response names) and very wide operations.

As Apollo Router's ``limits.max_aliases`` and ``limits.max_root_fields``, counted over the
operation with fragments expanded where they are spread (a fragment holding 10 aliases spread 5
times is 50 aliases), each fragment's count memoized and cycles counted as empty.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from router.limits.errors import MAX_ALIASES_EXCEEDED, MAX_ROOT_FIELDS_EXCEEDED, LimitExceeded
from router.limits.operation import fragment_definitions, select_operation

__all__ = ["check_aliases", "check_root_fields", "count_aliases", "count_root_fields"]


class _Counter:
    """Counts fields matching ``counts`` (recursing into sub-selections when ``deep``)."""

    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        counts: Callable[[FieldNode], bool],
        *,
        deep: bool,
    ) -> None:
        self.fragments = fragments
        self.counts = counts
        self.deep = deep
        self.memo: dict[str, int] = {}
        self.visiting: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += int(self.counts(selection))
                if self.deep:
                    total += self.selection_set(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

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


def _count(
    document: DocumentNode,
    operation_name: str | None,
    counts: Callable[[FieldNode], bool],
    deep: bool,
) -> int:
    operation = select_operation(document, operation_name)
    if operation is None:
        return 0
    counter = _Counter(fragment_definitions(document), counts, deep=deep)
    return counter.selection_set(operation.selection_set)


def count_aliases(document: DocumentNode, operation_name: str | None = None) -> int:
    """Fields carrying an alias, anywhere in the operation."""
    return _count(document, operation_name, lambda field: field.alias is not None, deep=True)


def count_root_fields(document: DocumentNode, operation_name: str | None = None) -> int:
    """Fields of the root selection set (through fragments), ``__typename`` included."""
    return _count(document, operation_name, lambda _: True, deep=False)


def check_aliases(
    document: DocumentNode, operation_name: str | None, max_aliases: int
) -> LimitExceeded | None:
    aliases = count_aliases(document, operation_name)
    if aliases <= max_aliases:
        return None
    return LimitExceeded(
        MAX_ALIASES_EXCEEDED,
        f"The operation uses {aliases} aliases, more than the limit {max_aliases}.",
        aliases,
        max_aliases,
    )


def check_root_fields(
    document: DocumentNode, operation_name: str | None, max_root_fields: int
) -> LimitExceeded | None:
    root_fields = count_root_fields(document, operation_name)
    if root_fields <= max_root_fields:
        return None
    return LimitExceeded(
        MAX_ROOT_FIELDS_EXCEEDED,
        f"The operation selects {root_fields} root fields, more than the limit {max_root_fields}.",
        root_fields,
        max_root_fields,
    )
