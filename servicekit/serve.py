"""Run an ASGI app with uvicorn (uvloop and httptools when installed), with optional draining.

Draining (issue #19): behind a load balancer, SIGTERM first makes ``/ready`` answer 503
(:data:`servicekit.health.DRAINING`) for ``drain_seconds`` while the process keeps serving, so
the balancer's health checks take it out of rotation; only then does uvicorn stop accepting,
finish the requests in flight (up to ``timeout_graceful_shutdown``) and exit. This is the
Kubernetes ``preStop`` pause, inside the process. A second signal stops at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import uvicorn

from servicekit.health import DRAINING
from servicekit.logging import get_logger, uvicorn_log_config

__all__ = ["serve"]

_log = get_logger("servicekit.serve")


class _DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._timer: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain_seconds <= 0 or self._timer is not None or sig != signal.SIGTERM:
            if self._timer is not None:
                self._timer.cancel()
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        _log.info("draining before shutdown", seconds=self._drain_seconds)
        self._timer = threading.Timer(self._drain_seconds, super().handle_exit, (sig, None))
        self._timer.daemon = True
        self._timer.start()


def serve(
    app: Any, *, host: str, port: int, log_level: str = "info", drain_seconds: float = 0.0
) -> None:
    """Serve until SIGINT/SIGTERM; access logs off (services log structured events themselves).

    ``proxy_headers=False``: uvicorn would otherwise believe ``X-Forwarded-For`` from
    127.0.0.1 and hand a client-chosen address to the app (the per-IP rate limit was bypassed
    that way); a service that sits behind proxies resolves the client with
    :mod:`servicekit.client_address`, from the proxies it is configured to trust."""
    config = uvicorn.Config(
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
    _DrainingServer(config, drain_seconds).run()
