"""POST over pooled HTTP/1.1 keep-alive connections: the router's subgraph fetches (issue #20).

Why: aiohttp's client builds a request object, a response object, a payload, header multidicts
and a timer per request in Python: about a fifth of the router's instructions on the gateway
benchmark (17 fetches per request). Here a fetch is one ``transport.write`` of prebuilt bytes and
httptools' C parser (uvicorn's) reading the answer on an :class:`asyncio.Protocol`.

Only plain ``http://`` URLs with headers that encode as they are take this path; anything else
(``https``, a header value aiohttp would reject or encode) goes to the fallback
:class:`~servicekit.aiohttp_transport.AiohttpTransport`. Failures are raised as httpx's
exceptions, as that transport raises them (``ConnectError``, ``ConnectTimeout``,
``ReadTimeout``, ``RemoteProtocolError`` when the server hangs up without an answer or sends a
malformed one, ``ReadError`` otherwise). The request carries what aiohttp's did: ``Host``,
``Content-Length``, and unless given ``Accept: */*``, ``Accept-Encoding: gzip, deflate`` and
``Content-Type: application/octet-stream``; gzip and deflate answers are decompressed.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

import httptools
import httpx

from servicekit.aiohttp_transport import AiohttpTransport
from servicekit.slots import Slots

__all__ = ["Http1Transport"]

_DISCONNECTED = "Server disconnected without sending a response."


class _Target(NamedTuple):
    host: str
    port: int
    head: bytes  # the request line and the Host line


@lru_cache(maxsize=256)
def _target(url: str) -> _Target | None:
    """A plain-http URL's host, port and request line; None for anything else."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or not parsed.host or parsed.userinfo:
        return None
    port = parsed.port or 80
    path = parsed.raw_path or b"/"
    host = parsed.host if parsed.port is None else f"{parsed.host}:{parsed.port}"
    if ":" in parsed.host:  # IPv6 literal
        host = f"[{parsed.host}]" if parsed.port is None else f"[{parsed.host}]:{parsed.port}"
    try:
        head = b"POST " + path + b" HTTP/1.1\r\nHost: " + host.encode("ascii") + b"\r\n"
    except UnicodeEncodeError:
        return None
    return _Target(parsed.host, port, head)


_BLOCKS: dict[tuple[tuple[str, str], ...], bytes | None] = {}
_BLOCKS_KEPT = 256


def _header_block(headers: Mapping[str, str]) -> bytes | None:
    """The header lines, or None when a name or value needs more than latin-1 as it is;
    remembered by content (a request's fetches to one subgraph send the same headers)."""
    key = tuple(headers.items())
    try:
        return _BLOCKS[key]
    except KeyError:
        pass
    if len(_BLOCKS) >= _BLOCKS_KEPT:
        _BLOCKS.clear()
    block = _BLOCKS[key] = _encode_headers(headers)
    return block


def _encode_headers(headers: Mapping[str, str]) -> bytes | None:
    lines: list[bytes] = []
    present: set[str] = set()
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in ("host", "content-length", "transfer-encoding", "connection"):
            return None  # aiohttp decides these itself
        present.add(lowered)
        line = f"{name}: {value}\r\n"
        if "\n" in line[:-2] or "\r" in line[:-2]:
            return None
        try:
            lines.append(line.encode("latin-1"))
        except UnicodeEncodeError:
            return None
    for auto, default in _AUTO_HEADERS:  # what aiohttp adds when absent
        if auto not in present:
            lines.append(default)
    return b"".join(lines)


_AUTO_HEADERS = (
    ("accept", b"Accept: */*\r\n"),
    ("accept-encoding", b"Accept-Encoding: gzip, deflate\r\n"),
    ("content-type", b"Content-Type: application/octet-stream\r\n"),
)


_NO_BODY = frozenset((204, 304))


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[None] | None = None
        self.head: list[bytes] = []
        """The bytes received until the header section is complete (kept, not parsed in
        Python: no callback per header field, see :func:`_field`)."""
        self.in_head = True
        self.fields = b""
        """The status line and the header fields, each line with its CRLF."""
        self.body: list[bytes] = []
        self.started = False
        self.complete = False
        self.closed = False
        self.keep_alive = False
        self.until_close = False
        self.status = 0
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:
            self.close()  # bytes nobody asked for: the connection is not reusable
            return
        if self.in_head:
            self.head.append(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(httpx.RemoteProtocolError(f"malformed HTTP answer: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self.until_close and exc is None:  # the close ends the body (RFC 9112 §6.3, 8.)
            self.complete = True
            self.waiter.set_result(None)
        elif self.started:
            self._fail(httpx.ReadError(str(exc) if exc else "connection closed mid-answer"))
        else:
            self._fail(httpx.RemoteProtocolError(_DISCONNECTED))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.started = True

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # reset once the message completes
        self.status = self.parser.get_status_code()
        self.in_head = False
        head = self.head[0] if len(self.head) == 1 else b"".join(self.head)
        end = head.find(b"\r\n\r\n")
        self.fields = head[: end + 2] if end >= 0 else _lf_fields(head)
        # neither Content-Length nor Transfer-Encoding: the body runs until the server closes
        # (RFC 9112 §6.3, 8.); httptools cannot be told of the end, connection_lost is it
        lowered = self.fields.lower()
        self.until_close = (
            self.status not in _NO_BODY
            and b"\ncontent-length:" not in lowered
            and b"\ntransfer-encoding:" not in lowered
        )

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _expire(self) -> None:
        """The exchange's deadline passed (a ``loop.call_at`` timer: cheaper than
        ``asyncio.timeout`` around every exchange)."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(TimeoutError())

    async def exchange(
        self, request: bytes, read_timeout: float | None, deadline: float | None = None
    ) -> tuple[int, bytes, bytes]:
        """Send ``request`` and read the answer (status, :attr:`fields`, body);
        :class:`TimeoutError` once the loop's clock reaches ``deadline``, ``httpx.ReadTimeout``
        after ``read_timeout``."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.head, self.body, self.in_head, self.fields = [], [], True, b""
        self.started = self.complete = self.keep_alive = self.until_close = False
        self.status = 0
        # the connection's parser: llhttp starts over after each complete message, and an
        # exchange that ends otherwise closes the connection
        self.transport.write(request)
        timer = None if deadline is None else loop.call_at(deadline, self._expire)
        try:
            if read_timeout is None:
                await self.waiter
            else:
                async with asyncio.timeout(read_timeout):
                    await self.waiter
        except TimeoutError as error:
            if timer is not None and timer.when() <= loop.time():
                raise  # the deadline's, not the read timeout's
            raise httpx.ReadTimeout("read timed out") from error
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()
        if not self.keep_alive:
            self.close()
        return self.status, self.fields, b"".join(self.body)


class Http1Transport:
    """The :class:`servicekit.aiohttp_transport.AiohttpTransport` seam (``post``, ``aclose``)
    for plain http: at most ``max_connections`` exchanges (so connections) at once; idle
    connections are reused for ``keepalive_seconds``."""

    def __init__(self, *, max_connections: int = 100, keepalive_seconds: float = 5.0) -> None:
        self._fallback = AiohttpTransport(
            max_connections=max_connections, keepalive_seconds=keepalive_seconds
        )
        self._keepalive_seconds = keepalive_seconds
        self._slots = Slots(max_connections)
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._closed = False

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        response_headers: list[tuple[str, str]] | None = None,
        total_timeout: float | None = None,
    ) -> tuple[int, bytes, str | None]:
        """As :meth:`AiohttpTransport.post`: the status, the body, the ``Cache-Control``;
        :class:`TimeoutError` when ``total_timeout`` passes (a wait for a connection, the
        connect and the exchange included)."""
        target = _target(url)
        block = _header_block(headers) if target is not None else None
        if target is None or block is None or self._closed:
            async with asyncio.timeout(total_timeout):
                return await self._fallback.post(
                    url,
                    body,
                    headers,
                    connect_timeout=connect_timeout,
                    read_timeout=read_timeout,
                    response_headers=response_headers,
                )
        request = b"%s%sContent-Length: %d\r\n\r\n%s" % (target.head, block, len(body), body)
        loop = asyncio.get_running_loop()
        deadline = None if total_timeout is None else loop.time() + total_timeout
        slots = self._slots
        if not slots.take_now():  # a wait for a connection counts against the deadline
            async with asyncio.timeout_at(deadline):
                await slots.take()
        try:
            connection = self._reusable(target) or await self._connect(
                target, connect_timeout, deadline
            )
            try:
                status, raw, content = await connection.exchange(request, read_timeout, deadline)
            except BaseException:
                connection.close()
                raise
            if not connection.closed:
                connection.idle_since = time.monotonic()
                self._idle.setdefault((target.host, target.port), []).append(connection)
        finally:
            slots.give()
        lowered = raw.lower()
        found = _field(raw, lowered.find(b"\ncache-control:"))  # the first one
        cache_control = None if found is None else found.decode("latin-1")
        found = _field(raw, lowered.rfind(b"\ncontent-encoding:"))  # the last one
        encoding = b"" if found is None else found.strip().lower()
        if response_headers is not None:
            response_headers.extend(
                (name.decode("latin-1"), value.decode("latin-1")) for name, value in _fields(raw)
            )
        if encoding and encoding != b"identity":
            content = _decompress(encoding, content)
        return status, content, cache_control

    def _reusable(self, target: _Target) -> _Connection | None:
        """The most recently used idle connection to ``target`` still open and fresh."""
        idle = self._idle.get((target.host, target.port))
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.closed or now - connection.idle_since > self._keepalive_seconds:
                connection.close()
                continue
            return connection
        return None

    async def _connect(
        self, target: _Target, connect_timeout: float | None, deadline: float | None = None
    ) -> _Connection:
        """A new connection; ``httpx.ConnectTimeout`` after ``connect_timeout``,
        :class:`TimeoutError` when the call's ``deadline`` comes first."""
        loop = asyncio.get_running_loop()
        until = None if connect_timeout is None else loop.time() + connect_timeout
        total = deadline is not None and (until is None or deadline < until)
        try:
            async with asyncio.timeout_at(deadline if total else until):
                _, protocol = await loop.create_connection(_Connection, target.host, target.port)
        except TimeoutError as error:
            if total:
                raise
            raise httpx.ConnectTimeout("connect timed out") from error
        except OSError as error:  # aiohttp's ClientConnectorError message: host and port shown
            reason = error.strerror or str(error) or type(error).__name__
            message = f"Cannot connect to host {target.host}:{target.port} ssl:default [{reason}]"
            raise httpx.ConnectError(message) from error
        return protocol

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()
        await self._fallback.aclose()


def _field(fields: bytes, at: int) -> bytes | None:
    """The value of the header field whose line starts after ``fields[at]`` (a ``\\n``; -1:
    none), as httptools gives it: leading whitespace dropped, trailing whitespace kept."""
    if at < 0:
        return None
    start = fields.index(b":", at) + 1
    return fields[start : fields.index(b"\r\n", start)].lstrip(b" \t")


def _fields(fields: bytes) -> list[tuple[bytes, bytes]]:
    """Every header field (name, value) of :attr:`_Connection.fields`, in order."""
    found: list[tuple[bytes, bytes]] = []
    for line in fields.split(b"\r\n")[1:]:
        if line:
            name, _, value = line.partition(b":")
            found.append((name, value.lstrip(b" \t")))
    return found


def _lf_fields(head: bytes) -> bytes:
    """The header section of an answer whose lines end with a bare LF (httptools accepts
    them), rewritten with CRLF line ends."""
    end = head.find(b"\n\n")
    lines = head[: end if end >= 0 else len(head)].split(b"\n")
    return b"".join(line.removesuffix(b"\r") + b"\r\n" for line in lines)


def _decompress(encoding: bytes, content: bytes) -> bytes:
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return zlib.decompress(content, 16 + zlib.MAX_WBITS)
        if encoding == b"deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)  # raw deflate
    except zlib.error as error:  # aiohttp: ClientPayloadError, a ReadError there too
        raise httpx.ReadError(f"cannot decode {encoding.decode()} answer: {error}") from error
    raise httpx.ReadError(f"unsupported Content-Encoding {encoding.decode('latin-1')}")
