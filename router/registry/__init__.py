"""Schema registry checks for CI, without a hosted service (what ``rover subgraph check`` does).

``schema compose`` writes schema/supergraph.graphql, ``schema check`` composes, detects a stale
committed supergraph, compares the API schema with the registered one (graphql-core's breaking
and dangerous changes) and names the persisted operations a breaking change would break,
``schema publish`` records a passing version in schema/history/.
"""

from __future__ import annotations

__all__: list[str] = []
