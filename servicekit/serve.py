"""Run an ASGI app with uvicorn (uvloop and httptools when installed)."""

from __future__ import annotations

from typing import Any

import uvicorn

__all__ = ["serve"]


def serve(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until SIGINT/SIGTERM; access logs off (services log structured events themselves)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=5,
    )
