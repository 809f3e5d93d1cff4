"""Run an ASGI app with uvicorn (uvloop and httptools when installed), with optional draining.

Draining (issue #19): behind a load balancer, SIGTERM first makes ``/ready`` answer 503
(:data:`servicekit.health.DRAINING`) for ``drain_seconds`` while the process keeps serving, so
the balancer's health checks take it out of rotation; only then does uvicorn stop accepting,
finish the requests in flight (up to ``timeout_graceful_shutdown``) and exit. This is the
Kubernetes ``preStop`` pause, inside the process. A second signal stops at once.

Workers (issue #20): a process started by :func:`servicekit.workers.supervise` binds its own
``SO_REUSEPORT`` socket on the port the parent reserved, reports to the parent once it accepts
connections, and obeys its control pipe: stop requests (idempotent, unlike a second signal),
"every worker is up" (``/ready`` may then answer ready), and end-of-file when the parent died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

import uvicorn

from servicekit.health import DRAINING, WORKERS_STARTING
from servicekit.logging import get_logger, uvicorn_log_config
from servicekit.workers import ALL_UP, INTERRUPT, STOP, WorkerChannel, reuseport_socket

__all__ = ["serve"]

_log = get_logger("servicekit.serve")


class _DrainingServer(uvicorn.Server):
    def __init__(
        self, config: uvicorn.Config, drain_seconds: float, channel: WorkerChannel | None = None
    ) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._timer: threading.Timer | None = None
        self._channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._channel is not None and self.started:
            asyncio.get_running_loop().add_reader(
                self._channel.control_fd, self._on_control, self._channel
            )
            self._channel.report_up()
            _log.info("worker listening", worker=self._channel.index, port=self._channel.port)

    def _on_control(self, channel: WorkerChannel) -> None:
        try:
            message = os.read(channel.control_fd, 64)
        except OSError:
            message = b""
        if not message:  # the parent is gone (even SIGKILLed): no orphan keeps the port
            asyncio.get_running_loop().remove_reader(channel.control_fd)
            _log.warning("supervisor gone, stopping", worker=channel.index)
            self.should_exit = True
            return
        if ALL_UP in message:
            WORKERS_STARTING.clear()
        if STOP in message or INTERRUPT in message:
            self._stop_once(signal.SIGINT if INTERRUPT in message else signal.SIGTERM)

    def _stop_once(self, sig: int) -> None:
        """A stop request from the parent; a no-op when this worker already stops (it got the
        same signal directly, e.g. ``kill -- -PGID``), so it never counts as a second signal."""
        if self.should_exit or self._timer is not None:
            return
        self.handle_exit(sig, None)

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
    channel = WorkerChannel.from_env()
    if channel is None:
        _DrainingServer(config, drain_seconds).run()
        return
    WORKERS_STARTING.set()
    listener = reuseport_socket(host, channel.port)
    _DrainingServer(config, drain_seconds, channel).run(sockets=[listener])
