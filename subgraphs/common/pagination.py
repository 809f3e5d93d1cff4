"""Cursor pagination (the Relay connection shape): opaque cursors over a sortable key.

A cursor is base64 of ``<kind>:<key>``; a cursor of another kind or a broken one is a client
error (``BAD_USER_INPUT``), never a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "MAX_PAGE_SIZE",
    "InvalidCursorError",
    "Page",
    "clamp_first",
    "decode_cursor",
    "encode_cursor",
    "page_of",
]

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class InvalidCursorError(ValueError):
    """The ``after`` argument is not a cursor this field issued."""


def encode_cursor(kind: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> str | None:
    """The key inside ``cursor`` (``None`` when no cursor was given)."""
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursorError(f"invalid cursor {cursor!r}") from error
    prefix, _, key = decoded.partition(":")
    if prefix != kind or not key:
        raise InvalidCursorError(f"invalid cursor {cursor!r}")
    return key


def clamp_first(first: int | None, default: int) -> int:
    """Page size bounded to ``[0, MAX_PAGE_SIZE]``."""
    value = default if first is None else first
    return max(0, min(value, MAX_PAGE_SIZE))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: the nodes with their cursors, and whether more follow."""

    edges: list[tuple[str, T]]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1][0] if self.edges else None


def page_of(rows: Sequence[T], first: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """``rows`` were fetched with ``limit first + 1``: the extra row only says a next page exists."""
    kept = list(rows[:first])
    return Page([(cursor_of(row), row) for row in kept], has_next_page=len(rows) > first)
