"""Run an ASGI app with uvicorn (uvloop and httptools when installed)."""

from __future__ import annotations

from typing import Any

import uvicorn

from servicekit.logging import uvicorn_log_config

__all__ = ["serve"]


def serve(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until SIGINT/SIGTERM; access logs off (services log structured events themselves).

    ``proxy_headers=False``: uvicorn would otherwise believe ``X-Forwarded-For`` from
    127.0.0.1 and hand a client-chosen address to the app (the per-IP rate limit was bypassed
    that way); a service that sits behind proxies resolves the client with
    :mod:`servicekit.client_address`, from the proxies it is configured to trust."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        log_config=uvicorn_log_config(),  # uvicorn's lines go out as JSON too
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=5,
        proxy_headers=False,
    )
