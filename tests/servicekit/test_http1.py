"""servicekit.http1: the router's subgraph POSTs over pooled keep-alive HTTP/1.1 connections,
against a real local server (aiohttp.web): answers, reuse, decoding, failures as httpx's."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from servicekit.http1 import Http1Transport, _header_block, _target

_HEADERS = {"content-type": "application/json", "accept": "application/json"}


async def _echo(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    peer = request.transport.get_extra_info("peername") if request.transport else None
    headers = {
        "cache-control": "max-age=5",
        "x-peer": str(peer[1]) if peer else "",
        "x-got-encoding": request.headers.get("accept-encoding", ""),
        "x-got-host": request.headers.get("host", ""),
    }
    if request.path == "/gzip":
        return web.Response(
            body=gzip.compress(body), headers={**headers, "content-encoding": "gzip"}
        )
    if request.path == "/chunked":
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(body[:3])
        await response.write(body[3:])
        await response.write_eof()
        return response
    if request.path == "/slow":
        await asyncio.sleep(2)
        return web.Response(body=b"late")
    if request.path == "/hangup":
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.1)
        return web.Response(body=b"never")
    return web.Response(body=body, headers=headers)


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/{tail:.*}", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_post_answer_headers_and_reuse(server: str) -> None:
    transport = Http1Transport(max_connections=4)
    try:
        received: list[tuple[str, str]] = []
        status, body, cache = await transport.post(
            f"{server}/graphql",
            b'{"query":"{a}"}',
            _HEADERS,
            connect_timeout=5,
            read_timeout=None,
            response_headers=received,
        )
        assert (status, body, cache) == (200, b'{"query":"{a}"}', "max-age=5")
        found = dict((name.lower(), value) for name, value in received)
        assert found["x-got-encoding"] == "gzip, deflate"
        assert found["x-got-host"] == server.removeprefix("http://")
        _, _, _ = await transport.post(
            f"{server}/graphql", b"{}", _HEADERS, connect_timeout=5, read_timeout=None
        )
        again: list[tuple[str, str]] = []
        await transport.post(
            f"{server}/x",
            b"{}",
            _HEADERS,
            connect_timeout=5,
            read_timeout=5,
            response_headers=again,
        )
        assert dict((n.lower(), v) for n, v in again)["x-peer"] == found["x-peer"]  # reused
    finally:
        await transport.aclose()


async def test_gzip_and_chunked_answers(server: str) -> None:
    transport = Http1Transport()
    try:
        payload = b'{"data":{"a":1}}' * 100
        for path in ("/gzip", "/chunked"):
            status, body, _ = await transport.post(
                f"{server}{path}", payload, _HEADERS, connect_timeout=5, read_timeout=None
            )
            assert (status, body) == (200, payload)
    finally:
        await transport.aclose()


async def test_concurrent_posts(server: str) -> None:
    transport = Http1Transport(max_connections=2)
    try:
        answers = await asyncio.gather(
            *(
                transport.post(
                    f"{server}/graphql", b"%d" % i, _HEADERS, connect_timeout=5, read_timeout=None
                )
                for i in range(20)
            )
        )
        assert [body for _, body, _ in answers] == [b"%d" % i for i in range(20)]
    finally:
        await transport.aclose()


async def test_total_timeout_is_a_timeout_error_and_the_connection_is_not_reused(
    server: str,
) -> None:
    transport = Http1Transport(max_connections=1)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await transport.post(
                f"{server}/slow",
                b"{}",
                _HEADERS,
                connect_timeout=5,
                read_timeout=None,
                total_timeout=0.2,
            )
        assert 0.15 < loop.time() - started < 1.5
        status, body, _ = await transport.post(
            f"{server}/x", b"ok", _HEADERS, connect_timeout=5, read_timeout=None, total_timeout=5
        )
        assert (status, body) == (200, b"ok")  # the slot was given back, a new connection
    finally:
        await transport.aclose()


async def test_total_timeout_bounds_the_wait_for_a_connection(server: str) -> None:
    transport = Http1Transport(max_connections=1)
    try:
        held = asyncio.create_task(
            transport.post(f"{server}/slow", b"{}", _HEADERS, connect_timeout=5, read_timeout=None)
        )
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError):
            await transport.post(
                f"{server}/x",
                b"{}",
                _HEADERS,
                connect_timeout=5,
                read_timeout=None,
                total_timeout=0.1,
            )
        assert (await held)[1] == b"late"
    finally:
        await transport.aclose()


async def test_failures_are_httpx_errors(server: str) -> None:
    transport = Http1Transport()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            await transport.post(
                f"{server}/hangup", b"{}", _HEADERS, connect_timeout=5, read_timeout=None
            )
        with pytest.raises(httpx.ConnectError, match=f"127.0.0.1:{closed_port}"):
            await transport.post(
                f"http://127.0.0.1:{closed_port}/",
                b"{}",
                _HEADERS,
                connect_timeout=5,
                read_timeout=None,
            )
    finally:
        await transport.aclose()


def test_what_goes_to_the_fallback() -> None:
    assert _target("https://example.com/graphql") is None
    assert _target("http://user:pw@example.com/graphql") is None
    target = _target("http://example.com:8080/a?b=c")
    assert target is not None and target.head.startswith(b"POST /a?b=c HTTP/1.1\r\n")
    assert b"Host: example.com:8080\r\n" in target.head
    assert _header_block({"x-a": "1\r\nx-b: 2"}) is None
    assert _header_block({"x-a": "\u20ac"}) is None
    assert _header_block({"Host": "elsewhere"}) is None
    assert _header_block({"accept": "a", "content-type": "b", "accept-encoding": "c"}) == (
        b"accept: a\r\ncontent-type: b\r\naccept-encoding: c\r\n"
    )


async def test_a_body_without_length_ends_when_the_server_closes() -> None:
    """RFC 9112 §6.3, 8.: no Content-Length and no Transfer-Encoding, the close ends the body
    (an HTTP/1.0-style server); such a connection is not reused."""
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n")
        await writer.drain()
        writer.write(b'{"echo":' + body + b"}")
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = Http1Transport(max_connections=2)
    try:
        for _ in range(2):
            status, body, _ = await transport.post(
                f"http://127.0.0.1:{port}/graphql",
                b'{"a":1}',
                _HEADERS,
                connect_timeout=5,
                read_timeout=5,
            )
            assert (status, body) == (200, b'{"echo":{"a":1}}')
        assert connections == 2
    finally:
        await transport.aclose()
        server.close()
        await server.wait_closed()


def test_header_fields_read_from_the_raw_section_as_httptools_reads_them() -> None:
    import httptools

    from servicekit.http1 import _field, _fields, _lf_fields

    raw = (
        b"HTTP/1.1 200 OK\r\nCache-Control:  max-age=5 \r\nX-A:\ta b\t\r\n"
        b"content-encoding: gzip\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n"
    )
    seen: list[tuple[bytes, bytes]] = []

    class Recorder:
        def on_header(self, name: bytes, value: bytes) -> None:
            seen.append((name, value))

    httptools.HttpResponseParser(Recorder()).feed_data(raw)
    fields = raw[: raw.find(b"\r\n\r\n") + 2]
    assert _fields(fields) == seen
    lowered = fields.lower()
    assert _field(fields, lowered.find(b"\ncache-control:")) == b"max-age=5 "
    assert _field(fields, lowered.rfind(b"\ncontent-encoding:")) == b"gzip"
    assert _field(fields, lowered.find(b"\nx-missing:")) is None
    assert _lf_fields(raw.replace(b"\r\n", b"\n")) == fields
