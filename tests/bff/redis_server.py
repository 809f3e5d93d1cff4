"""A private redis-server on a free port, for "Redis down / Redis back" tests.

The shared server at 6379 is never stopped; this one is ours to kill and restart. Not a
:class:`~servicekit.processes.ManagedProcess` because readiness is a Redis ``PING``, not HTTP.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from servicekit.processes import free_port

__all__ = ["PrivateRedis"]


class PrivateRedis:
    """``start()``/``kill()`` as often as needed; always the same port. With ``folder``, an
    fsync'd append-only file there keeps its data across a kill (the broker a fault test kills
    and restarts, its streams and consumer groups surviving as a real broker's would)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def _argv(self, binary: str) -> list[str]:
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        if self.folder is None:
            return [*argv, "--appendonly", "no"]
        self.folder.mkdir(parents=True, exist_ok=True)
        return [*argv, "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)]

    def start(self, timeout_seconds: float = 15.0) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self._process = subprocess.Popen(
            self._argv(binary),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_seconds
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.kill()
        raise TimeoutError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None
