"""The subgraphs' store engine lives in :mod:`servicekit.db` (the registry service uses it too)."""

from __future__ import annotations

from servicekit.db import Database

__all__ = ["Database"]
