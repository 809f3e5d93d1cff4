"""Start service processes, wait until they are ready, stop them: shared by `stack up` and tests.

Every process binds 127.0.0.1, is waited on with a deadline and is always stopped (SIGTERM, then
SIGKILL after a grace period), so no test or dev session leaves servers behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ManagedProcess",
    "ProcessSpec",
    "free_port",
    "port_is_free",
    "tail_lines",
    "wait_until_ready",
]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (tests never use the fixed dev ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind ``host:port`` now. ``SO_REUSEADDR`` as uvicorn sets it, so a
    port in TIME_WAIT counts as free and only a listener (or another bound socket) does not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def tail_lines(path: Path | None, count: int = 20) -> list[str]:
    """The last ``count`` lines of a log file (none when it does not exist)."""
    if path is None or not path.exists():
        return []
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64 * 1024))
        text = handle.read().decode(errors="replace")
    return text.splitlines()[-count:]


@dataclass(frozen=True)
class ProcessSpec:
    """What to run: a name, the argv, extra environment and the URL that answers when ready."""

    name: str
    argv: Sequence[str]
    ready_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None


def wait_until_ready(
    url: str, *, timeout_seconds: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``url`` until it answers 200, the process dies, or the deadline passes."""
    deadline = time.monotonic() + timeout_seconds
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} was ready")
        try:
            response = httpx.get(url, timeout=1.0)
            if response.status_code == 200:
                return
            last_error = f"status {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as error:
            last_error = f"{type(error).__name__}: {error}"
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_seconds}s ({last_error})")


class ManagedProcess:
    """One child process in its own process group, so stopping it stops its children too.

    :meth:`start` spawns and waits for readiness; :meth:`spawn` only spawns (a supervisor that
    waits for several processes at once, or restarts one, polls readiness itself). A stopped or
    dead process may be spawned again; its output is appended to the same log."""

    def __init__(self, spec: ProcessSpec, *, log_path: Path | None = None) -> None:
        self.spec = spec
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._group_alive = False  # False once the group got its final SIGKILL (no pid reuse)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        """``None`` while running (or never started), else the exit status (``-N``: signal N)."""
        return self._process.poll() if self._process else None

    def spawn(self) -> ManagedProcess:
        """Start the process without waiting for it to be ready."""
        env = {**os.environ, **self.spec.env, "PYTHONUNBUFFERED": "1"}
        if self.log_path is None:
            self._process = self._popen(env, subprocess.DEVNULL)
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as output:  # the child keeps its own descriptor
            self._process = self._popen(env, output)
        return self

    def _popen(self, env: Mapping[str, str], output: Any) -> subprocess.Popen[bytes]:
        self._group_alive = True
        return subprocess.Popen(
            list(self.spec.argv),
            env=env,
            cwd=self.spec.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, *, ready_timeout_seconds: float = 30.0) -> ManagedProcess:
        self.spawn()
        assert self._process is not None
        try:
            wait_until_ready(
                self.spec.ready_url, timeout_seconds=ready_timeout_seconds, process=self._process
            )
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{self.spec.name}: {error}{self._log_tail()}") from error
        return self

    def _log_tail(self) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n--- log tail ---\n" + self.log_path.read_text(errors="replace")[-3000:]

    def log_tail(self, count: int = 20) -> list[str]:
        """The last lines the process wrote (for saying why it died)."""
        return tail_lines(self.log_path, count)

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """Stop abruptly (fault injection): SIGKILL to the whole process group."""
        if self._process is None:
            return
        self._signal_group(signal.SIGKILL)
        self._process.wait(timeout=10)
        self._group_alive = False

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM to the process group, SIGKILL after ``grace_seconds``; then SIGKILL to what is
        left of the group (a child that outlived its parent), so nothing of it survives."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._process.wait(timeout=10)
        self._signal_group(signal.SIGKILL)
        self._group_alive = False

    def signal_group(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the process and its children without waiting (a second Ctrl-C)."""
        if self._process is not None:
            self._signal_group(signum)

    def _signal_group(self, signum: signal.Signals) -> None:
        assert self._process is not None
        if not self._group_alive:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def __enter__(self) -> ManagedProcess:
        return self.start() if self._process is None else self

    def __exit__(self, *_: object) -> None:
        self.stop()
