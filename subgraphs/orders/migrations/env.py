"""Alembic's environment for the orders store (servicekit/migrations.py runs it at start)."""

from __future__ import annotations

from servicekit.migrations import run_env

run_env()
