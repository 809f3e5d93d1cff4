"""Timestamps: aware UTC everywhere (SQLModel stores them as UTC on SQLite and PostgreSQL),
served as ISO 8601 with ``+00:00``."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "isoformat_utc", "utcnow"]


def utcnow() -> datetime:
    """Now, aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(value: datetime) -> datetime:
    """A naive (taken as UTC) or aware timestamp as an aware UTC one."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def isoformat_utc(value: datetime) -> str:
    """``2024-01-01T00:00:00+00:00``: what the ``DateTime`` scalar of every subgraph returns."""
    return as_utc(value).isoformat()
