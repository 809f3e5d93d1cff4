"""The planner's one error type."""

from __future__ import annotations

__all__ = ["PlanningError"]


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph (the message says why)."""
