"""The ``@defer`` directive as the planner sees it (incremental delivery RFC, ``@defer(if:,
label:)`` on fragment spreads and inline fragments).

``DeferMark`` is what normalization keeps of an applied ``@defer``: its label and, when ``if``
is a variable, that variable's name (a literal ``if: false`` never makes a mark: the fragment
is inlined, as the RFC says).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import BooleanValueNode, DirectiveNode, StringValueNode, VariableNode

__all__ = ["DEFER", "DeferMark", "defer_mark"]

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
