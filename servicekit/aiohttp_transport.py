"""An httpx transport over aiohttp's client: httpx stays the API, aiohttp moves the bytes.

Why: under the router's benchmark load, httpx's own transport (httpcore over anyio) was most of
the router's CPU. Measured on this machine (one client, 50 concurrent POSTs of a 2 KB body
answered with 10 KB of JSON): httpx 1.7-1.9 ms CPU per request, httpx over this kind of
transport 0.43-0.46 ms, aiohttp alone 0.16 ms. aiohttp's HTTP/1.1 parser and connection pool
are in C/Cython; httpx still builds the request and response objects.

Failures are raised as httpx's exceptions, matching httpcore's kinds (``ConnectError`` when no
connection can be made, ``ReadTimeout``/``ConnectTimeout``, ``RemoteProtocolError`` when the
server hangs up without an answer, ``ReadError`` otherwise), so callers and retry policies that
catch ``httpx.HTTPError`` behave as with httpx's own transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import aiohttp
import httpx

__all__ = ["AiohttpTransport"]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pool of ``max_connections`` (one ``aiohttp.ClientSession``)."""

    def __init__(self, *, max_connections: int = 100, keepalive_seconds: float = 5.0) -> None:
        self._max_connections = max_connections
        self._keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # created on first use, inside the running loop (aiohttp binds a session to its loop)
        session = self._session
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, keepalive_timeout=self._keepalive_seconds
            )
            session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",)
            )
            self._session = session
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        status, headers, body = await self._exchange(
            request.method,
            str(request.url),
            request.headers.multi_items(),
            request.content or None,  # the router always sends bytes (never a stream)
            connect_timeout=timeout.get("connect"),
            read_timeout=timeout.get("read"),
            request=request,
        )
        # httpx decodes Content-Encoding itself from these headers (aiohttp's is off)
        return httpx.Response(
            status,
            headers=list(headers),
            content=body,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        response_headers: list[tuple[str, str]] | None = None,
    ) -> tuple[int, bytes, str | None]:
        """POST without building httpx's request and response objects (the router's hot path);
        the same failures as :meth:`handle_async_request`; aiohttp decompresses the answer.
        Returns the status, the body and the answer's ``Cache-Control`` (issue #17);
        ``response_headers``, when given, receives every response header field (repeated
        names such as ``Set-Cookie`` kept; the router's response header rules read them)."""
        status, raw_headers, content = await self._exchange(
            "POST",
            url,
            headers,
            body,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            decompress=True,
        )
        if response_headers is not None:
            response_headers.extend(
                (name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers
            )
        return status, content, _cache_control(raw_headers)

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: Any,
        data: bytes | None,
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        request: httpx.Request | None = None,
        decompress: bool = False,
    ) -> tuple[int, tuple[tuple[bytes, bytes], ...], bytes]:
        client_timeout = _client_timeout(connect_timeout, read_timeout)
        try:
            async with self._get_session().request(
                method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=client_timeout,
                auto_decompress=decompress,
            ) as answer:
                body = await answer.read()
                return answer.status, answer.raw_headers, body
        except aiohttp.ConnectionTimeoutError as error:
            raise httpx.ConnectTimeout(
                str(error) or "connect timed out", request=request
            ) from error
        except (aiohttp.SocketTimeoutError, TimeoutError) as error:
            raise httpx.ReadTimeout(str(error) or "read timed out", request=request) from error
        except aiohttp.ClientConnectorError as error:
            raise httpx.ConnectError(str(error), request=request) from error
        except aiohttp.ServerDisconnectedError as error:
            message = "Server disconnected without sending a response."
            raise httpx.RemoteProtocolError(message, request=request) from error
        except aiohttp.ClientResponseError as error:  # a malformed HTTP answer
            raise httpx.RemoteProtocolError(str(error), request=request) from error
        except aiohttp.ClientError as error:
            raise httpx.ReadError(str(error) or type(error).__name__, request=request) from error

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


@lru_cache(maxsize=64)
def _client_timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    """One (immutable) timeout object per pair: a router has a handful of subgraph timeouts."""
    return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)


def _cache_control(headers: tuple[tuple[bytes, bytes], ...]) -> str | None:
    for name, value in headers:
        if name.lower() == b"cache-control":
            return value.decode("latin-1")
    return None
