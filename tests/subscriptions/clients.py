"""Minimal clients of the three subscription transports, written from the protocol documents
(not from the router's code), each reduced to the same messages: ``("next", payload)``,
``("error", errors)`` and ``("complete", None)``; a closed WebSocket is ``("closed", code)``.

- graphql-transport-ws: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
- graphql-sse, distinct connections: https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md
- Apollo multipart subscriptions: https://www.apollographql.com/docs/graphos/routing/operations/subscriptions/multipart-protocol
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

__all__ = ["TRANSPORTS", "Message", "Subscription", "subscribe"]

TRANSPORTS = ("websocket", "sse", "multipart")
Message = tuple[str, Any]
RECEIVE_SECONDS = 20.0
MULTIPART_ACCEPT = 'multipart/mixed;subscriptionSpec="1.0", application/json'


class Subscription:
    """One open subscription: ``receive()`` the next message; ``status`` is the HTTP status
    (101 for a WebSocket); ``refusal`` the JSON body of a refused HTTP request."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message] = asyncio.Queue()
        self.status = 0
        self.refusal: Any = None
        self.content_type = ""

    async def receive(self) -> Message:
        async with asyncio.timeout(RECEIVE_SECONDS):
            return await self.queue.get()

    async def receive_all(self, count: int) -> list[Message]:
        return [await self.receive() for _ in range(count)]


async def _websocket(
    ws: ClientConnection, sub: Subscription, body: dict[str, Any], token: str | None
) -> None:
    init: dict[str, Any] = {"type": "connection_init"}
    if token is not None:
        init["payload"] = {"Authorization": f"Bearer {token}"}
    await ws.send(json.dumps(init))
    try:
        ack = json.loads(await ws.recv())
        assert ack == {"type": "connection_ack"}, ack
        await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": body}))
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert message.get("id") == "s1", message
            sub.queue.put_nowait((message["type"], message.get("payload")))
    except ConnectionClosed:
        pass
    sub.queue.put_nowait(("closed", ws.close_code))


def _sse_events(buffer: str) -> tuple[list[tuple[str, str]], str]:
    events = []
    while "\n\n" in buffer:
        block, buffer = buffer.split("\n\n", 1)
        name, data = "", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if name:
            events.append((name, "\n".join(data)))
    return events, buffer


async def _sse(response: httpx.Response, sub: Subscription) -> None:
    buffer = ""
    async for chunk in response.aiter_text():
        # lines end with CRLF, LF or CR (HTML, "Parsing an event stream"); a CR ending a chunk
        # may be the first half of a CRLF, so it waits for the next chunk
        buffer += chunk
        held = "\r" if buffer.endswith("\r") else ""
        text = buffer.removesuffix(held).replace("\r\n", "\n").replace("\r", "\n")
        events, rest = _sse_events(text)
        buffer = rest + held
        for name, data in events:
            sub.queue.put_nowait((name, json.loads(data) if name == "next" else None))


async def _multipart(response: httpx.Response, sub: Subscription) -> None:
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        parts = buffer.split(b"\r\n--graphql")
        buffer = parts.pop()  # maybe incomplete
        for part in parts:
            _multipart_part(part, sub)
        if buffer.startswith(b"--"):
            sub.queue.put_nowait(("complete", None))
            return
        if b"\r\n\r\n" in buffer and buffer.rstrip().endswith((b"}", b"]")):
            with contextlib.suppress(ValueError):
                _multipart_part(buffer, sub, strict=True)
                buffer = b""


def _multipart_part(part: bytes, sub: Subscription, *, strict: bool = False) -> None:
    _, separator, body = part.partition(b"\r\n\r\n")
    if not separator or not body.strip():
        return
    message = json.loads(body)
    if message == {}:
        return  # heartbeat
    if message.get("payload") is None and "errors" in message:
        sub.queue.put_nowait(("error", message["errors"]))
    else:
        sub.queue.put_nowait(("next", message["payload"]))


@contextlib.asynccontextmanager
async def subscribe(
    transport: str,
    router_url: str,
    query: str | None,
    variables: dict[str, Any],
    token: str | None,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[Subscription]:
    """Open one subscription; leaving the block disconnects (closes the socket/stream).
    ``query=None`` with ``extensions.persistedQuery`` sends a persisted operation by id;
    ``headers`` go on the HTTP request (a WebSocket's: its upgrade request)."""
    sub = Subscription()
    body: dict[str, Any] = {"variables": variables}
    if query is not None:
        body["query"] = query
    if extensions is not None:
        body["extensions"] = extensions
    if transport == "websocket":
        url = router_url.replace("http://", "ws://", 1)
        async with connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], additional_headers=headers
        ) as ws:
            sub.status = 101
            task = asyncio.create_task(_websocket(ws, sub, body, token))
            try:
                yield sub
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return
    headers = {"content-type": "application/json", **(headers or {})}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    headers["accept"] = "text/event-stream" if transport == "sse" else MULTIPART_ACCEPT
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None)) as client,
        client.stream("POST", router_url, json=body, headers=headers) as response,
    ):
        sub.status = response.status_code
        sub.content_type = response.headers.get("content-type", "")
        media_type = sub.content_type.split(";")[0].strip().lower()
        if response.status_code != 200 or media_type.endswith("json"):
            sub.refusal = json.loads(await response.aread())
            yield sub
            return
        reader = _sse if transport == "sse" else _multipart
        task = asyncio.create_task(reader(response, sub))
        try:
            yield sub
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
