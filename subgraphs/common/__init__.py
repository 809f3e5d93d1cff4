"""Plumbing every subgraph shares: database sessions, entity batching, identity, app assembly."""

from __future__ import annotations

__all__: list[str] = []
