"""Processes for the scale-out tests (issue #19): a registry, routers fed by it, a load run."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = [
    "TOKEN",
    "LoadRun",
    "registry_process",
    "router_process",
]

TOKEN = "registry-test-token"
BIN = Path(sys.executable).parent


def registry_process(
    tmp: Path, *, persisted: Path | None = None, database_url: str | None = None
) -> tuple[ManagedProcess, str]:
    port = free_port()
    argv = [str(BIN / "registry"), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--database-url", database_url or f"sqlite+aiosqlite:///{tmp / 'registry.db'}"]
    if persisted is not None:
        argv += ["--persisted", str(persisted)]
    spec = ProcessSpec(
        "registry",
        argv,
        f"http://127.0.0.1:{port}/ready",
        env={"REGISTRY_TOKEN": TOKEN},
        cwd=PROJECT_ROOT,
    )
    return ManagedProcess(spec, log_path=tmp / "registry.log"), f"http://127.0.0.1:{port}"


def router_process(
    tmp: Path, name: str, source: list[str], env: Mapping[str, str] | None = None
) -> tuple[ManagedProcess, str]:
    """``router <source...> --dev`` on a free port (no dev rate limit: ``ROUTER_CONFIG`` empty)."""
    port = free_port()
    argv = [str(BIN / "router"), *source, "--dev", "--host", "127.0.0.1", "--port", str(port)]
    spec = ProcessSpec(
        name,
        argv,
        f"http://127.0.0.1:{port}/ready",
        env={"ROUTER_CONFIG": "", "ROUTER_REGISTRY_TOKEN": TOKEN, **(env or {})},
        cwd=PROJECT_ROOT,
    )
    return ManagedProcess(spec, log_path=tmp / f"{name}.log"), f"http://127.0.0.1:{port}"


@dataclass
class LoadRun:
    """``concurrency`` clients sending ``body`` to ``url`` until :meth:`stop`; every answer must
    be 200 with exactly ``expected``, else it is a failure (kept with its reason)."""

    url: str
    body: dict[str, Any]
    expected: Any
    concurrency: int = 4
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def _client(self, client: httpx.AsyncClient) -> None:
        while not self._stop.is_set():
            try:
                response = await client.post(self.url, json=self.body)
            except httpx.HTTPError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                continue
            if response.status_code != 200 or response.json() != self.expected:
                self.failures.append(f"{response.status_code}: {response.text[:300]}")
            else:
                self.ok += 1
                self.answered_at.append(time.monotonic())

    async def __aenter__(self) -> LoadRun:
        client = httpx.AsyncClient(timeout=30.0)
        self._client_obj = client
        self._tasks = [asyncio.create_task(self._client(client)) for _ in range(self.concurrency)]
        return self

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await self._client_obj.aclose()

    async def __aexit__(self, *_: object) -> None:
        if not self._stop.is_set():
            await self.stop()

    async def until_more(self, count: int, *, fail_fast: bool = True) -> None:
        """Wait until ``count`` more requests have been answered correctly (or fail)."""
        target = self.ok + count
        async with asyncio.timeout(30):
            while self.ok < target and not (fail_fast and self.failures):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
