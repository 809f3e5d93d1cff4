"""A service announcing itself to the schema registry (issue #19): once it listens, publish its
SDL and routing URL (``POST /v1/subgraphs/{name}``); on a graceful stop, leave the routing
(``DELETE /v1/subgraphs/{name}/instances``).

A publish rejected for composition errors is retried with backoff for a while: replicas and
subgraphs start in any order, and a subgraph that needs another's types composes once that one
is published. A publish rejected for breaking persisted operations is logged with the reasons
and not retried (the service keeps serving; routers keep the accepted supergraph).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import httpx

from servicekit.logging import get_logger

__all__ = ["Announcer", "with_announcer"]

_log = get_logger("servicekit.registry")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Announcer:
    registry_url: str
    token: str
    name: str
    routing_url: str
    sdl: Callable[[], Awaitable[str]]
    listen: tuple[str, int]
    """Where this process listens: the publish waits until it accepts connections."""
    give_up_seconds: float = 120.0
    outcome: dict[str, Any] | None = None

    @property
    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    async def _listening(self) -> None:
        host, port = self.listen
        while True:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return

    async def announce(self) -> None:
        await self._listening()
        body = {"sdl": await self.sdl(), "url": self.routing_url}
        url = f"{self.registry_url.rstrip('/')}/v1/subgraphs/{self.name}"
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self.give_up_seconds, 0.2
        async with httpx.AsyncClient(timeout=30.0) as client:
            while True:
                retry = True
                try:
                    response = await client.post(url, json=body, headers=self._headers)
                    answer = response.json()
                    self.outcome = answer
                    if response.status_code == 200:
                        _log.info("published to the registry", version=answer.get("version"))
                        return
                    report = answer.get("report", {}) if isinstance(answer, dict) else {}
                    retry = bool(report.get("composition_errors")) or response.status_code >= 500
                    _log.error(
                        "the registry rejected this subgraph",
                        status=response.status_code,
                        answer=answer,
                    )
                except (httpx.HTTPError, ValueError) as error:
                    _log.warning("registry unreachable", error=f"{type(error).__name__}: {error}")
                if not retry or loop.time() + pause > deadline:
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def withdraw(self) -> None:
        url = f"{self.registry_url.rstrip('/')}/v1/subgraphs/{self.name}/instances"
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=2.0) as client:
                await client.request(
                    "DELETE", url, json={"url": self.routing_url}, headers=self._headers
                )


def with_announcer(app: ASGIApp, announcer: Announcer) -> ASGIApp:
    """``app`` whose lifespan announces it once started and withdraws it on shutdown."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        tasks: list[asyncio.Task[None]] = []

        async def sending(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                tasks.append(asyncio.create_task(announcer.announce(), name="registry-announce"))
            await send(message)

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                for task in tasks:
                    task.cancel()
                await announcer.withdraw()
            return message

        await app(scope, receiving, sending)

    return wrapped
