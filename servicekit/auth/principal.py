"""Who a verified token speaks for: the subject, its scopes and the raw claims.

The router's authorization directives read ``is_authenticated`` and ``scopes``; Apollo Router takes
scopes from the space-separated ``scope`` claim, and ``scp`` (a list, used by some issuers) is
accepted as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ANONYMOUS", "Principal"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (``subject`` set) or the anonymous one."""

    subject: str | None
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.subject is not None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        return cls(subject=str(claims["sub"]), scopes=_scopes(claims), claims=dict(claims))


ANONYMOUS = Principal(subject=None)


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(str(item) for item in value)
    return frozenset(found)
