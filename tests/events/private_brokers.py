"""Private NATS JetStream and RabbitMQ servers on free ports, for "broker down / broker back"
tests (the machine's shared servers at :4222 and :5672 are never stopped or reconfigured).

Like tests/bff/redis_server.py's ``PrivateRedis``: ``start()``/``kill()`` as often as needed,
always the same port and the same data folder, so streams, durable queues and persistent
messages survive a SIGKILL as on a real broker. Each runs in its own process group (killed
whole: the Erlang VM's helpers too). Not ``ManagedProcess``: readiness is the broker's own
protocol, not HTTP.

- NATS: ``nats-server -js -sd <folder>`` (JetStream file store); ready when JetStream answers
  ``account_info``.
- RabbitMQ: the server script itself (``/usr/lib/rabbitmq/bin/rabbitmq-server``: the packaged
  wrapper would switch to the ``rabbitmq`` user and its fixed folders), with its node name,
  AMQP and distribution ports, Mnesia/log folders and an empty plugin list in the environment
  (RabbitMQ's documented ``RABBITMQ_*`` variables); ready when the AMQP listener answers the
  protocol header with ``Connection.Start``. A boot takes ~10-30 s on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import nats

from servicekit.processes import free_port

__all__ = ["PrivateNats", "PrivateRabbit"]

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


class _Private:
    url = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def _argv(self) -> list[str]:
        raise NotImplementedError

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def _ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout_seconds: float = 120.0) -> _Private:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "server.log").open("ab")
        self._process = subprocess.Popen(
            self._argv(),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.folder,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self._ready():
                return self
            time.sleep(0.2)
        self.kill()
        raise TimeoutError(
            f"{type(self).__name__} on {self.port} did not start (see {self.folder})"
        )

    def kill(self) -> None:
        """SIGKILL to the whole process group (a crash, not a shutdown)."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # the VM may outlive the script
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=30)
        self._process = None


class PrivateNats(_Private):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.url = f"nats://127.0.0.1:{self.port}"

    def _argv(self) -> list[str]:
        binary = shutil.which("nats-server")
        if binary is None:
            raise RuntimeError("nats-server is not installed")
        store = self.folder / "jetstream"
        return [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store)]

    def _ready(self) -> bool:
        async def quiet(_: Exception) -> None:
            """Refused while booting: expected, not worth the client's traceback."""

        async def probe() -> bool:
            try:
                connection = await nats.connect(
                    self.url,
                    connect_timeout=1,
                    allow_reconnect=False,
                    max_reconnect_attempts=0,
                    error_cb=quiet,
                )
            except Exception:
                return False
            try:
                await connection.jetstream().account_info()
                return True
            except Exception:
                return False
            finally:
                await connection.close()

        return asyncio.run(probe())


class PrivateRabbit(_Private):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.dist_port = free_port()
        self.node = f"private-{uuid.uuid4().hex[:8]}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _argv(self) -> list[str]:
        if not RABBITMQ_SERVER.exists():
            raise RuntimeError(f"{RABBITMQ_SERVER} is not installed")
        return [str(RABBITMQ_SERVER)]

    def _env(self) -> dict[str, str]:
        (self.folder / "enabled_plugins").write_text("[].\n")
        return {
            **os.environ,
            "HOME": str(self.folder),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "none"),
            "RABBITMQ_PID_FILE": str(self.folder / "rabbit.pid"),
        }

    def _ready(self) -> bool:
        """AMQP 0-9-1 section 4.2.2: the server answers the protocol header with a method frame
        (type 1) on channel 0, Connection.Start, once the broker has booted."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(b"AMQP\x00\x00\x09\x01")
                return sock.recv(3) == b"\x01\x00\x00"
        except OSError:
            return False
