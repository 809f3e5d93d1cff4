"""The orders subgraph process: settings (``ORDERS_*``, including the products URL and the
saga's timeouts), store, the saga (its event consumers, outbox relay and timeout ticker run in
this process) and ASGI app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.events.runtime import EventRuntime
from servicekit.logging import get_logger
from servicekit.migrations import Migrations
from servicekit.topology import load_subgraphs
from subgraphs.common import live_events
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.db import Database
from subgraphs.common.events import event_hooks, new_runtime
from subgraphs.common.settings import SubgraphSettings
from subgraphs.common.strawberry_app import strawberry_mount
from subgraphs.orders.live import follow_saga
from subgraphs.orders.models import TABLES
from subgraphs.orders.saga import Saga, SagaConfig
from subgraphs.orders.schema import Context, schema
from subgraphs.orders.upstream import Upstreams

__all__ = ["MIGRATIONS", "NAME", "Settings", "create_app", "create_database"]

NAME = "orders"
MIGRATIONS = Migrations(
    Path(__file__).parent / "migrations", baseline="orders_0001", store="orders"
)
"""The store's Alembic revisions (servicekit/migrations.py): upgraded at start."""
_log = get_logger("subgraphs.orders")


def _routing_url(name: str) -> str:
    return next(entry.routing_url for entry in load_subgraphs() if entry.name == name)


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    products_url: str = ""
    stock_timeout_seconds: float = Field(default=30.0, gt=0)
    """No StockReserved/StockReservationFailed by then: CANCELLED, stock released."""
    payment_timeout_seconds: float = Field(default=30.0, gt=0)
    """No PaymentCharged/PaymentDeclined by then: CANCELLED, stock released, charge refunded."""
    resend_after_seconds: float = Field(default=3.0, gt=0)
    """A step without reply this long is sent again (its consumer may have died holding it)."""
    saga_tick_seconds: float = Field(default=0.25, gt=0)
    charge_payment: bool = True
    """The payment step (the payments subgraph consumes ChargePayment)."""
    default_payment_method: str = Field(default="pm_card_visa", pattern=r"^pm_[A-Za-z0-9_]{1,64}$")
    """Charged when ``placeOrder`` names no payment method: Stripe's always-approved test token
    (there are no saved payment methods per customer in this demo)."""

    def upstreams(self) -> Upstreams:
        return Upstreams(self.products_url or _routing_url("products"))

    def saga(self) -> SagaConfig:
        return SagaConfig(
            stock_timeout_seconds=self.stock_timeout_seconds,
            payment_timeout_seconds=self.payment_timeout_seconds,
            resend_after_seconds=self.resend_after_seconds,
            charge_payment=self.charge_payment,
            default_payment_method=self.default_payment_method,
        )


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES, MIGRATIONS)


def _ticker(
    saga: Saga, runtime: EventRuntime, interval: float
) -> Callable[[], Coroutine[Any, Any, None]]:
    """The saga's timeouts, on the events' own engine (not the request path's pool)."""

    async def run() -> None:
        await runtime.started.wait()
        while True:
            try:
                await saga.tick(runtime.sessions)
            except Exception as error:  # a store hiccup must not end the timeouts
                _log.error("order.saga_tick_failed", error=repr(error))
            await asyncio.sleep(interval)

    return run


def create_app(database: Database | None = None, upstreams: Upstreams | None = None) -> FastAPI:
    settings = Settings()
    db = database or create_database()
    clients = upstreams or settings.upstreams()
    live = live_events.RedisLiveEvents(settings.redis_url)  # issue #16: orderStatusChanged
    live_events.install(live)
    runtime = new_runtime(db, NAME)
    saga = Saga(settings.saga(), runtime.relay.wake)
    saga.subscribe(runtime)
    follow_saga(runtime)  # the saga's OrderStatusChanged events feed orderStatusChanged
    hooks = event_hooks(runtime)
    app = create_subgraph_app(
        NAME,
        db,
        strawberry_mount(schema, lambda: Context(db, clients, saga)),
        on_shutdown=[clients.aclose, hooks.on_shutdown, live.aclose],
        checks={**clients.readiness_checks(), **hooks.checks},
        background=[hooks.background, _ticker(saga, runtime, settings.saga_tick_seconds)],
        before_serving=[hooks.before_serving],
    )
    app.state.events = runtime
    return app
