"""The inventory subgraph process: settings (``INVENTORY_*``, including the reservation
time-to-live and the sweeper's interval), store, the reservation sweeper, the saga's consumers
and the outbox relay (subgraphs/inventory/events.py) and ASGI app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.logging import get_logger
from subgraphs.common import live_events
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.db import Database
from subgraphs.common.events import event_hooks, new_runtime
from subgraphs.common.settings import SubgraphSettings
from subgraphs.common.strawberry_app import strawberry_mount
from subgraphs.inventory import events, live, reservations
from subgraphs.inventory.models import TABLES
from subgraphs.inventory.schema import Context, schema

__all__ = ["NAME", "Settings", "create_app", "create_database"]

NAME = "inventory"
_log = get_logger("subgraphs.inventory")


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    reservation_ttl_seconds: float = Field(default=600.0, gt=0)
    """An unconfirmed reservation older than this is released (its order was never stored)."""
    sweep_interval_seconds: float = Field(default=30.0, gt=0)


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES)


def _sweeper(db: Database, settings: Settings) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        while True:
            await asyncio.sleep(settings.sweep_interval_seconds)
            try:
                released = await reservations.sweep(db, settings.reservation_ttl_seconds)
            except Exception as error:  # a store hiccup must not end the sweeper
                _log.error("inventory.sweep_failed", error=repr(error))
                continue
            if released:
                _log.info("inventory.reservations_expired", released=released)

    return run


def create_app(database: Database | None = None) -> FastAPI:
    settings = Settings()
    db = database or create_database()
    live_stock = live_events.RedisLiveEvents(settings.redis_url)  # issue #16: stockChanged
    live_events.install(live_stock)
    runtime = new_runtime(db, NAME)
    events.subscribe(runtime)
    live.follow_stock(runtime)  # the StockChanged events feed stockChanged
    hooks = event_hooks(runtime)
    app = create_subgraph_app(
        NAME,
        db,
        strawberry_mount(schema, lambda: Context(db)),
        background=[_sweeper(db, settings), hooks.background],
        before_serving=[hooks.before_serving],
        on_shutdown=[hooks.on_shutdown, live_stock.aclose],
        checks=hooks.checks,
    )
    app.state.events = runtime
    return app
