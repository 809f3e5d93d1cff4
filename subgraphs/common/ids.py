"""Integer primary keys travel as GraphQL ``ID`` strings; a malformed one is an unknown id."""

from __future__ import annotations

__all__ = ["parse_int_id"]

MAX_DIGITS = 18  # fits a 64-bit integer column


def parse_int_id(value: object) -> int | None:
    """``"42"`` (or ``42``) as ``42``; anything else as ``None`` (never an exception)."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if not text.isdecimal() or not text.isascii() or len(text) > MAX_DIGITS:
        return None
    return int(text)
