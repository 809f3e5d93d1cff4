"""Small, pure helpers both BFFs use to shape router data for screens.

Kept apart from the resolvers so the rules (price labels, rating rounding, cursors, the "top
reviews" order) are one definition each and testable without a server.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

__all__ = [
    "bad_input",
    "clamp",
    "decode_offset_cursor",
    "encode_offset_cursor",
    "price_label",
    "rounded_rating",
    "top_reviews",
    "unauthenticated",
]


def price_label(cents: int, currency_symbol: str = "$") -> str:
    """``1999`` -> ``"$19.99"`` (integer arithmetic, no float rounding)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{currency_symbol}{whole:,}.{fraction:02d}"


def rounded_rating(average: float | None) -> float | None:
    """Screens show one decimal."""
    return None if average is None else round(float(average), 1)


def top_reviews(reviews: Sequence[Mapping[str, Any]], count: int = 3) -> list[Mapping[str, Any]]:
    """Highest rating first; among equal ratings the newest, then the lowest id (deterministic)."""
    by_id = sorted(reviews, key=lambda r: int(r["id"]) if str(r["id"]).isdigit() else 0)
    by_date = sorted(by_id, key=lambda r: str(r.get("createdAt") or ""), reverse=True)
    return sorted(by_date, key=lambda r: -int(r.get("rating") or 0))[:count]


def clamp(value: int, low: int, high: int, name: str) -> int:
    if not low <= value <= high:
        raise bad_input(f"{name} must be between {low} and {high}")
    return value


def encode_offset_cursor(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode()


def decode_offset_cursor(kind: str, cursor: str | None) -> int:
    """The offset after ``cursor`` (0 without one); a foreign or broken cursor is bad input."""
    if cursor is None:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == kind and offset.isdigit():
            return int(offset) + 1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_input(f"invalid cursor {cursor!r}")


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def unauthenticated() -> GraphQLError:
    return GraphQLError(
        "this field needs the caller's identity (a bearer token)",
        extensions={"code": "UNAUTHENTICATED"},
    )
