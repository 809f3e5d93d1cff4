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

import httpx

__all__ = ["ManagedProcess", "ProcessSpec", "free_port", "wait_until_ready"]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (tests never use the fixed dev ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    """One child process in its own process group, so stopping it stops its children too."""

    def __init__(self, spec: ProcessSpec, *, log_path: Path | None = None) -> None:
        self.spec = spec
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, *, ready_timeout_seconds: float = 30.0) -> ManagedProcess:
        env = {**os.environ, **self.spec.env, "PYTHONUNBUFFERED": "1"}
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            list(self.spec.argv),
            env=env,
            cwd=self.spec.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """Stop abruptly (fault injection): SIGKILL to the whole process group."""
        if self._process and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)

    def stop(self, grace_seconds: float = 5.0) -> None:
        if not self._process or self._process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ManagedProcess:
        return self.start() if self._process is None else self

    def __exit__(self, *_: object) -> None:
        self.stop()
