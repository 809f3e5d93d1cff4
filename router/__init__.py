"""The federation router: supergraph model, composition, planning, execution and HTTP surface."""

from __future__ import annotations

__all__: list[str] = []
