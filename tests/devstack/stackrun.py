"""``stack up`` as a real process for the tests: started in its own session (so a signal to its
process group is what a terminal's Ctrl-C sends), its output collected line by line, and every
process it started found afterwards by a marker in the environment they all inherit (children of
children included, whatever session or group they are in). Ports are always free ones; the data
folder is the test's own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from servicekit.processes import port_is_free
from servicekit.topology import PROJECT_ROOT

__all__ = ["StackRun", "bound", "marked_processes"]

MARKER_VARIABLE = "DEVSTACK_TEST_RUN"


def _environ(pid: str) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/environ").read_bytes()
    return b""


def _state(pid: str) -> str:
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0]
    return "X"


def _cmdline(pid: str) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


def marked_processes(marker: str) -> dict[int, str]:
    """Live (not zombie) processes carrying ``marker``: pid -> command line."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and needle in _environ(entry) and _state(entry) not in {"Z", "X"}:
            found[int(entry)] = _cmdline(entry)
    return found


class StackRun:
    def __init__(self, args: Sequence[str]) -> None:
        self.marker = uuid.uuid4().hex
        self.lines: list[str] = []
        self._changed = threading.Condition()
        env = {**os.environ, MARKER_VARIABLE: self.marker, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack.cli", "up", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 150.0) -> str:
        """The first output line containing ``text``; fails if the stack exits or time runs out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"stack exited before {text!r}:\n{self.output}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {text!r} after {timeout} s:\n{self.output}")
                self._changed.wait(min(remaining, 0.5))

    def children(self) -> dict[int, str]:
        """Every live process this run started (the stack itself excluded)."""
        found = marked_processes(self.marker)
        found.pop(self.process.pid, None)
        return found

    def wait_for_child(self, fragment: str, timeout: float = 120.0) -> int:
        """The pid of a started process whose command line contains ``fragment``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid, cmdline in self.children().items():
                if fragment in cmdline:
                    return pid
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no process {fragment!r} started:\n{self.output}")

    def signal_group(self, signum: signal.Signals) -> None:
        """What a terminal does on Ctrl-C: the signal to the stack's whole process group."""
        os.killpg(self.process.pid, signum)

    def wait_exit(self, timeout: float = 60.0) -> int:
        returncode = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return returncode

    def survivors_after(self, seconds: float = 10.0) -> dict[int, str]:
        """Processes of this run still alive ``seconds`` after the stack exited (none expected)."""
        deadline = time.monotonic() + seconds
        left = marked_processes(self.marker)
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = marked_processes(self.marker)
        return left

    def cleanup(self) -> None:
        """Whatever the test's outcome: nothing of this run survives it."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for pid in marked_processes(self.marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.stdout is not None:
            self.process.stdout.close()


def bound(ports: Sequence[int]) -> list[int]:
    """The ports among ``ports`` something still listens on."""
    return [port for port in ports if not port_is_free(port)]
