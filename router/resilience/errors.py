"""Errors the resilience layer raises instead of calling a subgraph, with the GraphQL error codes
the executor reports at the affected fetch's paths."""

from __future__ import annotations

from typing import Any

from router.request import graphql_error

__all__ = [
    "SUBGRAPH_CIRCUIT_OPEN",
    "SUBGRAPH_OVERLOADED",
    "CircuitOpenError",
    "ConcurrencyLimitError",
]

SUBGRAPH_CIRCUIT_OPEN = "SUBGRAPH_CIRCUIT_OPEN"
SUBGRAPH_OVERLOADED = "SUBGRAPH_OVERLOADED"


class CircuitOpenError(Exception):
    """The subgraph's breaker is open: fail fast instead of piling onto a failing service."""

    code = SUBGRAPH_CIRCUIT_OPEN

    def __init__(self, subgraph: str, retry_after_seconds: float) -> None:
        super().__init__(f"subgraph {subgraph!r} is unavailable (circuit open)")
        self.subgraph = subgraph
        self.retry_after_seconds = retry_after_seconds

    def to_graphql_error(self, **extra: Any) -> dict[str, Any]:
        return graphql_error(str(self), self.code, service=self.subgraph, **extra)


class ConcurrencyLimitError(Exception):
    """No in-flight slot for the subgraph freed up within the queue timeout."""

    code = SUBGRAPH_OVERLOADED

    def __init__(self, subgraph: str, waited_seconds: float) -> None:
        super().__init__(
            f"subgraph {subgraph!r} is overloaded (no slot within {waited_seconds:g}s)"
        )
        self.subgraph = subgraph

    def to_graphql_error(self, **extra: Any) -> dict[str, Any]:
        return graphql_error(str(self), self.code, service=self.subgraph, **extra)
