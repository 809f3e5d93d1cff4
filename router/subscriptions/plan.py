"""Split a subscription's query plan as Apollo's ``Subscription`` plan node does: the *primary*
fetch (the root field's subgraph, opened as a stream) and the *rest* (the entity fetches that
complete each event from other subgraphs)."""

from __future__ import annotations

from router.planning.errors import PlanningError
from router.planning.plan import FetchNode, PlanNode, QueryPlan, SequenceNode

__all__ = ["split_subscription_plan"]


def split_subscription_plan(plan: QueryPlan) -> tuple[FetchNode, PlanNode | None]:
    """``(primary, rest)``; a subscription has one root field, so one root fetch comes first."""
    node = plan.node
    if isinstance(node, FetchNode):
        return node, None
    if isinstance(node, SequenceNode) and node.nodes and isinstance(node.nodes[0], FetchNode):
        rest = node.nodes[1:]
        if not rest:
            return node.nodes[0], None
        return node.nodes[0], rest[0] if len(rest) == 1 else SequenceNode(tuple(rest))
    raise PlanningError("a subscription plan must start with its root field's fetch")
