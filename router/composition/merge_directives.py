"""Merge descriptions and the directives composition carries to the supergraph.

Implements @apollo/composition's ``mergeDescription`` (the most common non-empty description
wins) and the merge of applied directives it composes by default: ``@inaccessible`` (first),
``@tag`` (repeatable, distinct applications), ``@deprecated``, ``@authenticated``,
``@requiresScopes``, ``@policy``, ``@cost`` and ``@listSize`` (combined by
``argument_strategies`` when several subgraphs apply them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from router.composition.argument_strategies import STRATEGIES, combine
from router.composition.context import MergeState
from router.composition.model import Applied

__all__ = ["merge_applied", "merge_description"]


class _Element(Protocol):
    @property
    def deprecated(self) -> Applied | None: ...
    @property
    def inaccessible(self) -> bool: ...
    @property
    def applied(self) -> list[Applied]: ...


def merge_description(descriptions: Sequence[str | None]) -> str | None:
    """The description the supergraph keeps for one element."""
    found = [d for d in descriptions if d is not None]
    if not found:
        return None
    distinct = list(dict.fromkeys(found))
    if len(distinct) == 1:
        return distinct[0]
    non_empty = [d for d in distinct if d != ""]
    if len(non_empty) == 1:
        return non_empty[0]
    counts = Counter(d for d in found if d != "")
    return max(non_empty, key=lambda d: counts[d])


def merge_applied(state: MergeState, elements: Sequence[_Element]) -> list[str]:
    """The rendered directive applications for an element merged from ``elements``."""
    result: list[str] = []
    if any(e.inaccessible for e in elements):
        result.append("@inaccessible")
        state.used_features.add("inaccessible")
    by_name: dict[str, list[Applied]] = {}
    for element in elements:
        applications = list(element.applied)
        deprecated = getattr(element, "deprecated", None)
        if deprecated is not None:
            applications.insert(0, deprecated)
        for applied in applications:
            by_name.setdefault(applied.name, []).append(applied)
    for name, found in by_name.items():
        if name in STRATEGIES and len(found) > 1:
            applications = [combine(name, found)]
        else:
            applications = list(dict.fromkeys(found))
        kept = applications if name in state.repeatable else applications[:1]
        result.extend(str(applied) for applied in kept)
        if name != "deprecated":
            state.used_features.add(name)
    return result
