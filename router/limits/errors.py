"""The outcome of a limit check that failed: which limit, the measured value and the limit.

Codes follow the brief's naming (``MAX_DEPTH_EXCEEDED`` ...) and Apollo's demand control code
``COST_ESTIMATED_TOO_EXPENSIVE``; the HTTP layer answers them as request errors (no data, 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from router.request import graphql_error

__all__ = [
    "COST_ESTIMATED_TOO_EXPENSIVE",
    "COST_QUERY_PARSE_FAILURE",
    "MAX_ALIASES_EXCEEDED",
    "MAX_DEPTH_EXCEEDED",
    "MAX_DOCUMENT_SIZE_EXCEEDED",
    "MAX_MERGE_COMPARISONS_EXCEEDED",
    "MAX_ROOT_FIELDS_EXCEEDED",
    "MAX_TOKENS_EXCEEDED",
    "MAX_VARIABLES_EXCEEDED",
    "LimitExceeded",
]

MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"
MAX_ROOT_FIELDS_EXCEEDED = "MAX_ROOT_FIELDS_EXCEEDED"
MAX_DOCUMENT_SIZE_EXCEEDED = "MAX_DOCUMENT_SIZE_EXCEEDED"
MAX_TOKENS_EXCEEDED = "MAX_TOKENS_EXCEEDED"
MAX_VARIABLES_EXCEEDED = "MAX_VARIABLES_EXCEEDED"
MAX_MERGE_COMPARISONS_EXCEEDED = "MAX_MERGE_COMPARISONS_EXCEEDED"
COST_ESTIMATED_TOO_EXPENSIVE = "COST_ESTIMATED_TOO_EXPENSIVE"
COST_QUERY_PARSE_FAILURE = "COST_QUERY_PARSE_FAILURE"


@dataclass(frozen=True, slots=True)
class LimitExceeded:
    """A refused operation: ``measured`` is above ``limit`` (``limit`` is None for a cost
    directive the operation does not satisfy, e.g. a missing required slicing argument)."""

    code: str
    message: str
    measured: float | None
    limit: float | None

    def to_graphql_error(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.measured is not None:
            extra["measured"] = self.measured
        if self.limit is not None:
            extra["limit"] = self.limit
        return graphql_error(self.message, self.code, **extra)
