"""The orders subgraph process: settings (``ORDERS_*``, including the products and inventory
URLs), store, upstream client and ASGI app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict

from servicekit.logging import get_logger
from servicekit.topology import load_subgraphs
from subgraphs.common import live_events
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings
from subgraphs.common.strawberry_app import strawberry_mount
from subgraphs.orders.models import TABLES
from subgraphs.orders.placement import confirm_recent
from subgraphs.orders.schema import Context, schema
from subgraphs.orders.upstream import Upstreams

__all__ = ["NAME", "Settings", "create_app", "create_database"]

NAME = "orders"
_log = get_logger("subgraphs.orders")


def _routing_url(name: str) -> str:
    return next(entry.routing_url for entry in load_subgraphs() if entry.name == name)


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    products_url: str = ""
    inventory_url: str = ""
    reconcile_window_seconds: float = 3600.0
    """On start, confirm the stock reservations of orders placed this recently (a previous
    process may have died between storing an order and confirming its reservation)."""

    def upstreams(self) -> Upstreams:
        return Upstreams(
            self.products_url or _routing_url("products"),
            self.inventory_url or _routing_url("inventory"),
        )


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES)


def _reconciler(db: Database, clients: Upstreams, window_seconds: float) -> Any:
    async def reconcile() -> None:
        since = utcnow() - timedelta(seconds=window_seconds)
        confirmed = await confirm_recent(db, clients, since)
        _log.info("orders.reconciled", confirmed=confirmed, window_seconds=window_seconds)

    return reconcile


def create_app(database: Database | None = None, upstreams: Upstreams | None = None) -> FastAPI:
    settings = Settings()
    db = database or create_database()
    clients = upstreams or settings.upstreams()
    events = live_events.RedisLiveEvents(settings.redis_url)  # issue #16: orderStatusChanged
    live_events.install(events)
    app = create_subgraph_app(
        NAME,
        db,
        strawberry_mount(schema, lambda: Context(db, clients)),
        on_shutdown=[clients.aclose, events.aclose],
        checks=clients.readiness_checks(),
        on_startup=[_reconciler(db, clients, settings.reconcile_window_seconds)],
    )
    return app
