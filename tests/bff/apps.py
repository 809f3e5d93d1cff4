"""Build BFF apps in-process for tests (real router/Redis URLs) and run their lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bff.runtime import BffRuntime
from bff_mobile.app import MobileSettings
from bff_mobile.app import create_app as create_mobile
from bff_web.app import WebSettings
from bff_web.app import create_app as create_web

__all__ = ["running_bff"]


@asynccontextmanager
async def running_bff(
    client: str,
    *,
    router_url: str,
    redis_url: str,
    namespace: str,
    mode: str = "production",
    supergraph_path: Path | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, BffRuntime]]:
    """The BFF app with its lifespan running and an httpx client speaking ASGI to it."""
    fields = {
        "router_url": router_url,
        "redis_url": redis_url,
        "cache_namespace": namespace,
        "mode": mode,
        "redis_retry_seconds": 0.2,
        "supergraph_path": supergraph_path,
        **overrides,
    }
    app = (
        create_web(WebSettings(**fields))
        if client == "web"
        else create_mobile(MobileSettings(**fields))
    )
    runtime: BffRuntime = app.state.runtime
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://bff-{client}") as http:
            yield http, runtime
