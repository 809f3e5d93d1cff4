"""Operation -> query plan (Fetch, Flatten, Sequence, Parallel, Condition)."""

from __future__ import annotations

__all__: list[str] = []
