"""A subscription's plan as Apollo's ``SubscriptionNode``: ``primary`` (the root field's fetch,
a ``subscription`` operation the router opens as a stream) and ``rest`` (what runs for each
event: entity fetches to other subgraphs).

Apollo's planner builds the same plan as for a query, then wraps it (``buildPlan.js``: a root
``Fetch`` becomes ``{kind: "Subscription", primary}``; a root ``Sequence`` becomes ``primary`` =
its first fetch and ``rest`` = ``Sequence`` of the others). Our plan keeps the query's shape,
which the executor runs; this module finds the two parts for the printers
(:mod:`router.planning.printer`, :mod:`router.planning.to_json`) and for
:mod:`router.subscriptions.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.plan import FetchNode, PlanNode, SequenceNode

__all__ = ["SubscriptionParts", "subscription_parts"]


@dataclass(frozen=True, slots=True)
class SubscriptionParts:
    primary: FetchNode
    rest: tuple[PlanNode, ...]
    """The nodes after the primary fetch (Apollo prints them as one ``Sequence``)."""


def subscription_parts(node: PlanNode | None) -> SubscriptionParts | None:
    """The parts of a subscription's plan; ``None`` for a query's or a mutation's."""
    if isinstance(node, FetchNode) and node.operation_kind == "subscription":
        return SubscriptionParts(node, ())
    if isinstance(node, SequenceNode) and node.nodes:
        first = node.nodes[0]
        if isinstance(first, FetchNode) and first.operation_kind == "subscription":
            return SubscriptionParts(first, node.nodes[1:])
    return None
