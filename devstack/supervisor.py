"""Run a set of processes as one unit: spawn them concurrently, wait for their ``/ready``,
restart one that dies later (with backoff), and stop every one of them (with its children)
whatever happens, start-up included.

Every process is registered in the same step that spawns it, so a cancellation (Ctrl-C) at any
``await`` cannot leave one behind; :meth:`Supervisor.stop_all` stops them all concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from servicekit.processes import ManagedProcess

__all__ = ["Backoff", "ServiceFailed", "Supervisor"]


class ServiceFailed(Exception):
    """A process died or did not become ready; ``tail`` is the end of its log."""

    def __init__(self, name: str, reason: str, tail: list[str]) -> None:
        super().__init__(f"{name} {reason}")
        self.name = name
        self.reason = reason
        self.tail = tail

    def report(self) -> list[str]:
        lines = [f"{self.name} {self.reason}"]
        if self.tail:
            lines.append(f"last lines of {self.name}'s log:")
            lines += [f"  | {line}" for line in self.tail]
        return lines


@dataclass(frozen=True)
class Backoff:
    """Delays between restarts: ``first`` doubling up to ``maximum``; back to ``first`` once a
    restarted process has stayed up for ``reset_after`` seconds."""

    first: float = 1.0
    maximum: float = 30.0
    reset_after: float = 30.0

    def next(self, previous: float | None) -> float:
        return self.first if previous is None else min(previous * 2, self.maximum)


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None],
        *,
        ready_timeout_seconds: float,
        backoff: Backoff = Backoff(),
        tail_lines: int = 15,
    ) -> None:
        self._say = say
        self._ready_timeout = ready_timeout_seconds
        self._backoff = backoff
        self._tail_lines = tail_lines
        self._processes: list[ManagedProcess] = []
        self.stopping = False

    def spawn(self, process: ManagedProcess) -> ManagedProcess:
        """Start ``process`` (not waiting); from now on :meth:`stop_all` stops it."""
        if process not in self._processes:
            self._processes.append(process)
        process.spawn()
        return process

    def failure(self, process: ManagedProcess, reason: str) -> ServiceFailed:
        return ServiceFailed(process.spec.name, reason, process.log_tail(self._tail_lines))

    async def run_job(self, process: ManagedProcess, timeout_seconds: float) -> list[str]:
        """A one-shot process (seeding): its output lines, or ServiceFailed unless it exits 0."""
        self.spawn(process)
        deadline = time.monotonic() + timeout_seconds
        while process.returncode is None:
            if time.monotonic() > deadline:
                process.stop()
                raise self.failure(process, f"did not finish within {timeout_seconds:.0f} s")
            await asyncio.sleep(0.1)
        if process.returncode != 0:
            raise self.failure(process, _exit_reason(process.returncode))
        return process.log_tail(1000)

    async def start(self, process: ManagedProcess, client: httpx.AsyncClient) -> None:
        """Spawn ``process`` and wait until its ``ready_url`` answers 200 while it runs."""
        self.spawn(process)
        self._say(f"started {process.spec.name} (pid {process.pid})")
        await self.wait_ready(process, client)

    async def wait_ready(self, process: ManagedProcess, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + self._ready_timeout
        while True:
            if process.returncode is not None:
                raise self.failure(
                    process, f"{_exit_reason(process.returncode)} before it was ready"
                )
            try:
                response = await client.get(process.spec.ready_url, timeout=2.0)
                # An answer counts only while OUR process runs (not another one on the port).
                if response.status_code == 200 and process.returncode is None:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise self.failure(
                    process,
                    f"not ready after {self._ready_timeout:.0f} s ({process.spec.ready_url})",
                )
            await asyncio.sleep(0.1)

    async def restart(self, process: ManagedProcess, client: httpx.AsyncClient) -> None:
        """Stop (what is left of) ``process`` and start it again."""
        await asyncio.to_thread(process.stop)
        await self.start(process, client)

    async def watch(self, process: ManagedProcess, client: httpx.AsyncClient) -> None:
        """Keep ``process`` running until the stack stops: a death is logged with the log's last
        lines and followed by a restart after a growing delay."""
        delay: float | None = None
        started = time.monotonic()
        while True:
            # Polling, not a thread per process blocked in wait(): the default executor is small
            # and stop_all needs it.
            while process.returncode is None:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            if self.stopping:
                return
            if time.monotonic() - started >= self._backoff.reset_after:
                delay = None
            failure = self.failure(process, _exit_reason(process.returncode))
            while True:
                for line in failure.report():
                    self._say(line)
                delay = self._backoff.next(delay)
                self._say(f"restarting {process.spec.name} in {delay:g} s")
                await asyncio.sleep(delay)
                if self.stopping:
                    return
                started = time.monotonic()
                try:
                    await self.restart(process, client)
                except ServiceFailed as again:
                    await asyncio.to_thread(process.stop)
                    failure = again
                    continue
                self._say(f"{process.spec.name} restarted and ready")
                break

    async def stop_all(self) -> None:
        """Stop every process ever spawned, concurrently (each: SIGTERM to its group, SIGKILL
        after the grace period and to any child left over)."""
        self.stopping = True
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in reversed(self._processes)))

    def kill_all(self) -> None:
        """SIGKILL to every process group now (a second Ctrl-C: no more waiting)."""
        self.stopping = True
        for process in self._processes:
            process.signal_group(signal.SIGKILL)
