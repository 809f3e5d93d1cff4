"""Composition errors with Apollo's stable error codes.

Implements the error model of Apollo Federation's composition ("Composition errors" in the
federation docs): every problem is reported as a value with a stable ``code``, the subgraphs and
the schema element involved and an actionable message; nothing is raised to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CompositionError"]


@dataclass(frozen=True)
class CompositionError:
    """One composition problem: Apollo's code, a message, where it is."""

    code: str
    message: str
    subgraphs: tuple[str, ...] = field(default=())
    element: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "subgraphs": list(self.subgraphs),
            "element": self.element,
        }
