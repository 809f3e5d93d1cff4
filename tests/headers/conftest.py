"""Fixtures of the header and edge tests."""

from __future__ import annotations

from tests.headers.edge import edge

__all__ = ["edge"]
