"""Split a subscription's query plan as Apollo's ``Subscription`` plan node does: the *primary*
fetch (the root field's subgraph, opened as a stream) and the *rest* (the entity fetches that
complete each event from other subgraphs); the parts are found by
:func:`router.planning.subscription.subscription_parts`, which the plan printers share."""

from __future__ import annotations

from router.planning.errors import PlanningError
from router.planning.plan import FetchNode, PlanNode, QueryPlan, SequenceNode
from router.planning.subscription import subscription_parts

__all__ = ["split_subscription_plan"]


def split_subscription_plan(plan: QueryPlan) -> tuple[FetchNode, PlanNode | None]:
    """``(primary, rest)``; a subscription has one root field, so one root fetch comes first."""
    parts = subscription_parts(plan.node)
    if parts is None:
        raise PlanningError("a subscription plan must start with its root field's fetch")
    if not parts.rest:
        return parts.primary, None
    return parts.primary, parts.rest[0] if len(parts.rest) == 1 else SequenceNode(parts.rest)
