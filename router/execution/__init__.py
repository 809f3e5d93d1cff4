"""Run a query plan against the subgraphs, merge their answers and shape the client's response.

Public surface: :class:`PlanExecutor` (plan execution), :class:`SubgraphClients` (pooled HTTP
clients), :class:`Shaper` (response shaping compiled per operation) and :class:`TypeMatcher`.
"""

from __future__ import annotations

from router.execution.completion import ShapeContext
from router.execution.executor import ExecutionResult, PlanExecutor
from router.execution.paths import TypeMatcher
from router.execution.shaping import RootShape, Shaper
from router.execution.subgraphs import SubgraphAnswer, SubgraphClients

__all__ = [
    "ExecutionResult",
    "PlanExecutor",
    "RootShape",
    "ShapeContext",
    "Shaper",
    "SubgraphAnswer",
    "SubgraphClients",
    "TypeMatcher",
]
