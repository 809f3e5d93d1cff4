"""The payments subgraph process: settings (``PAYMENTS_*``, including the demo provider's
decline limit), store, the saga's consumers and outbox relay (subgraphs/payments/events.py)
and ASGI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.migrations import Migrations
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.db import Database
from subgraphs.common.events import event_hooks, new_runtime
from subgraphs.common.strawberry_app import strawberry_mount
from subgraphs.payments import events
from subgraphs.payments.models import TABLES
from subgraphs.payments.schema import Context, schema
from subgraphs.payments.settings import Settings

__all__ = ["MIGRATIONS", "NAME", "Settings", "create_app", "create_database"]

NAME = "payments"
MIGRATIONS = Migrations(
    Path(__file__).parent / "migrations", baseline="payments_0001", store="payments"
)
"""The store's Alembic revisions (servicekit/migrations.py): upgraded at start."""


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES, MIGRATIONS)


def create_app(database: Database | None = None) -> FastAPI:
    db = database or create_database()
    runtime = new_runtime(db, NAME)
    events.subscribe(runtime, db)
    hooks = event_hooks(runtime)
    app = create_subgraph_app(
        NAME,
        db,
        strawberry_mount(schema, lambda: Context(db)),
        background=[hooks.background],
        before_serving=[hooks.before_serving],
        on_shutdown=[hooks.on_shutdown],
        checks=hooks.checks,
    )
    app.state.events = runtime
    return app
