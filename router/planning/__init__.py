"""The query planner: an operation against a supergraph -> a plan of subgraph fetches.

``plan_operation`` builds a :class:`QueryPlan` (node types in :mod:`router.planning.plan`),
``print_plan`` renders Apollo's textual format and ``plan_to_json`` Apollo's JSON shape.
"""

from __future__ import annotations

from router.planning.errors import PlanningError
from router.planning.plan import QueryPlan
from router.planning.planner import plan_operation
from router.planning.printer import print_plan
from router.planning.to_json import plan_to_json

__all__ = ["PlanningError", "QueryPlan", "plan_operation", "plan_to_json", "print_plan"]
