"""Assemble a subgraph process: FastAPI with GraphQL at ``/graphql``, ``/health`` and ``/ready``.

The store's schema is created on start-up and ``/ready`` answers only while the store does, so
``stack up`` and the tests wait for a usable service, not just an open port.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from servicekit.health import ReadinessCheck, health_routes
from servicekit.logging import get_logger
from servicekit.telemetry import FASTAPI_TELEMETRY
from subgraphs.common.body import JsonBodyGuard
from subgraphs.common.db import Database
from subgraphs.common.error_logs import install_client_error_filter

__all__ = ["create_subgraph_app"]


SHUTDOWN_STEP_SECONDS = 10.0
"""How long each stop step (the background tasks, then each closer) may take."""


def create_subgraph_app(
    name: str,
    database: Database,
    mount_graphql: Callable[[FastAPI], None],
    *,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    checks: Mapping[str, ReadinessCheck] | None = None,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    on_startup: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    before_serving: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """``mount_graphql`` adds the library's GraphQL endpoint (Strawberry router, Ariadne ASGI);
    ``on_shutdown`` closes what else the subgraph opened (HTTP clients); ``checks`` are readiness
    checks beside the store's (orders: its upstream subgraphs, optional); ``background`` tasks
    run while the process serves (inventory's reservation sweeper) and are cancelled on stop;
    ``on_startup`` tasks run once beside serving (orders' reconciliation), kept in
    ``app.state.startup_tasks`` so a test can wait for them; ``before_serving`` is awaited after
    the background tasks started and before the first request (the event consumers subscribed,
    subgraphs/common/events.py)."""
    log = get_logger(f"subgraphs.{name}")
    install_client_error_filter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await database.create_schema()
        log.info("subgraph.started", subgraph=name, dialect=database.engine.dialect.name)
        tasks = [asyncio.create_task(run()) for run in background]
        app.state.startup_tasks = [asyncio.create_task(run()) for run in on_startup]
        tasks += app.state.startup_tasks
        for wait in before_serving:
            await wait()
        yield
        for task in tasks:
            task.cancel()
        # A stop is bounded: a background task or a closer that does not finish (a broker
        # client stuck in its own shutdown) is logged and left, never a process that hangs.
        _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_STEP_SECONDS) if tasks else ((), ())
        if stuck:
            log.warning("subgraph.stop_stuck", subgraph=name, tasks=len(stuck))
        for close in on_shutdown:
            try:
                async with asyncio.timeout(SHUTDOWN_STEP_SECONDS):
                    await close()
            except TimeoutError:
                log.warning("subgraph.close_stuck", subgraph=name, closer=repr(close))
        await database.dispose()

    app = FastAPI(
        title=f"{name} subgraph",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        telemetry=FASTAPI_TELEMETRY,  # issue #13: servicekit.telemetry traces the request
    )
    app.router.routes.extend(
        health_routes({"database": ReadinessCheck(database.ping), **(checks or {})})
    )
    app.add_middleware(JsonBodyGuard)
    mount_graphql(app)
    app.state.database = database
    return app
