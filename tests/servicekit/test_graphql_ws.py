"""servicekit.graphql_ws against scripted graphql-transport-ws servers on 127.0.0.1 (the
``websockets`` server, each script written from PROTOCOL.md, not from the client)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from servicekit.graphql_ws import Error, Next, StreamClosed, Unreachable, open_graphql_ws

Script = Callable[[ServerConnection, list[dict[str, Any]]], Awaitable[None]]


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A server running ``script`` per connection; yields its URL and what clients sent."""
    received: list[dict[str, Any]] = []

    async def handler(ws: ServerConnection) -> None:
        await script(ws, received)

    async with serve(handler, "127.0.0.1", 0, subprotocols=["graphql-transport-ws"]) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}/graphql", received


async def _receive(ws: ServerConnection, received: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv())
    received.append(message)
    return message


async def _collect(url: str, **options: Any) -> list[Next | Error]:
    async with open_graphql_ws(
        url, handshake_seconds=options.pop("seconds", 5.0), max_message_bytes=1 << 20, **options
    ) as connection:
        return [message async for message in connection.subscribe({"query": "subscription { a }"})]


async def test_the_client_waits_for_the_ack_answers_pings_and_stops_at_complete() -> None:
    async def script(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)  # connection_init
        await ws.send(json.dumps({"type": "ping"}))
        assert await _receive(ws, received) == {"type": "pong"}
        await ws.send(json.dumps({"type": "connection_ack"}))
        await _receive(ws, received)  # subscribe
        await ws.send(json.dumps({"id": "1", "type": "next", "payload": {"data": {"a": 1}}}))
        await ws.send(json.dumps({"type": "ping"}))
        await _receive(ws, received)  # pong
        await ws.send(json.dumps({"id": "1", "type": "next", "payload": {"data": {"a": 2}}}))
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await ws.wait_closed()

    async with scripted(script) as (url, received):
        messages = await _collect(
            url, headers={"x-test": "1"}, init_payload={"Authorization": "Bearer t"}
        )
    assert messages == [Next({"data": {"a": 1}}), Next({"data": {"a": 2}})]
    assert received == [
        {"type": "connection_init", "payload": {"Authorization": "Bearer t"}},
        {"type": "pong"},
        {"id": "1", "type": "subscribe", "payload": {"query": "subscription { a }"}},
        {"type": "pong"},
    ]


async def test_an_error_message_carries_the_servers_errors() -> None:
    errors = [{"message": "forbidden", "extensions": {"code": "FORBIDDEN"}}]

    async def script(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)
        await ws.send(json.dumps({"type": "connection_ack"}))
        await _receive(ws, received)
        await ws.send(json.dumps({"id": "1", "type": "error", "payload": errors}))
        await ws.wait_closed()

    async with scripted(script) as (url, _):
        assert await _collect(url) == [Error(errors)]


async def test_a_socket_closed_before_complete_is_a_broken_stream() -> None:
    async def script(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)
        await ws.send(json.dumps({"type": "connection_ack"}))
        await _receive(ws, received)
        await ws.send(json.dumps({"id": "1", "type": "next", "payload": {"data": {"a": 1}}}))
        await ws.close(4500, "subgraph restarting")

    async with scripted(script) as (url, _):
        with pytest.raises(StreamClosed, match=r"^subgraph restarting$"):
            await _collect(url)


async def test_a_refused_connection_init_is_a_closed_stream() -> None:
    async def script(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)
        await ws.close(4403, "Forbidden")

    async with scripted(script) as (url, received):
        with pytest.raises(StreamClosed, match=r"^Forbidden$"):
            await _collect(url)
    assert received == [{"type": "connection_init"}]


async def test_no_ack_in_time_and_no_server_are_unreachable() -> None:
    async def silent(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)
        await ws.wait_closed()

    async with scripted(silent) as (url, _):
        with pytest.raises(Unreachable, match=r"^TimeoutError: "):
            await _collect(url, seconds=0.3)
    with pytest.raises(Unreachable, match=r"^(OSError|ConnectionRefusedError): "):
        await _collect(url)


async def test_the_callers_own_exception_passes_through_unchanged() -> None:
    async def script(ws: ServerConnection, received: list[dict[str, Any]]) -> None:
        await _receive(ws, received)
        await ws.send(json.dumps({"type": "connection_ack"}))
        await ws.wait_closed()

    async with scripted(script) as (url, _):
        with pytest.raises(TimeoutError, match=r"^the caller's$"):
            async with open_graphql_ws(url, handshake_seconds=5, max_message_bytes=1024):
                raise TimeoutError("the caller's")
