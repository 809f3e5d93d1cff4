"""The ``@defer`` directive as the planner sees it (incremental delivery RFC, ``@defer(if:,
label:)`` on fragment spreads and inline fragments).

``DeferMark`` is what normalization keeps of an applied ``@defer``: its label and, when ``if``
is a variable, that variable's name (a literal ``if: false`` never makes a mark: the fragment
is inlined, as the RFC says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

__all__ = ["DEFER", "DeferMark", "defer_mark", "defer_usage_errors"]

DEFER = "defer"


@dataclass(frozen=True, slots=True)
class DeferMark:
    """An applied ``@defer``: ``label`` and the variable of ``if`` (``None``: always on)."""

    label: str | None
    if_variable: str | None = None


def defer_mark(directive: DirectiveNode) -> DeferMark | None:
    """The mark of a ``@defer`` directive, ``None`` when ``if: false`` switches it off."""
    label: str | None = None
    variable: str | None = None
    for argument in directive.arguments or ():
        value = argument.value
        if argument.name.value == "label" and isinstance(value, StringValueNode):
            label = value.value
        elif argument.name.value == "if":
            if isinstance(value, BooleanValueNode) and not value.value:
                return None
            if isinstance(value, VariableNode):
                variable = value.name.value
    return DeferMark(label, variable)


def defer_usage_errors(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str]:
    """The incremental delivery RFC's validation rules for ``@defer`` this router applies.

    - "Defer And Stream Directive Labels Are Unique": a label is a literal string, used once;
    - "Defer And Stream Directives Are Used On Valid Operations": not in a subscription (unless
      ``if: false``); this router also refuses ``@defer`` on a mutation's root fields (the
      mutations run in order, all in the primary part), while fragments below them may defer.

    Messages are graphql-js's (what GraphQL Yoga / Hive Gateway answer).
    """
    errors: list[str] = []
    labels: set[str] = set()
    used = False
    at_root = False
    seen: set[str] = set()
    stack: list[tuple[SelectionSetNode, bool]] = [(operation.selection_set, True)]
    while stack:
        selection_set, root = stack.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    stack.append((fragments[name].selection_set, root))
            for directive in selection.directives or ():
                if directive.name.value != DEFER or defer_mark(directive) is None:
                    continue
                used = True
                at_root = at_root or root
                for argument in directive.arguments or ():
                    if argument.name.value != "label":
                        continue
                    if not isinstance(argument.value, StringValueNode):
                        errors.append(
                            "Defer/Stream directive label argument must be a static string."
                        )
                    elif argument.value.value in labels:
                        errors.append("Defer/Stream directive label argument must be unique.")
                    else:
                        labels.add(argument.value.value)
            below = getattr(selection, "selection_set", None)
            if below is not None:
                stack.append((below, root and not isinstance(selection, FieldNode)))
    kind = operation.operation.value
    if used and kind == "subscription":
        errors.append("Defer directive not supported on subscription operations.")
    elif at_root and kind == "mutation":
        errors.append("@defer on a mutation's root fields is not supported by this router.")
    return errors
