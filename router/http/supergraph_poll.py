"""A supergraph served at an ``http(s)`` URL, polled and hot reloaded (issue #18).

``router --supergraph https://…`` used to read the URL once. Now it is asked again every
``supergraph.poll_interval_seconds`` (default 10 s; Apollo Router polls Uplink every 10 s, Hive
Gateway polls its CDN every ``pollingInterval``) as an HTTP conditional request (RFC 9110
section 13.1.2): ``If-None-Match`` with the last ``ETag`` (and ``If-Modified-Since`` with the
last ``Last-Modified`` when the server sends no ETag). ``304 Not Modified`` costs nothing; a
``200`` whose text differs is loaded off the event loop and swapped in like a reloaded file
(:meth:`~router.http.supergraph_source.LiveSupergraph.swap_in`: requests in flight finish on
the old supergraph, the next ones read the new one). A server that fails, or a supergraph that
does not load, keeps the current one (logged, ``/ready`` keeps counting reloads) and is asked
again at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx

from router.http.supergraph_source import LiveSupergraph, ReloadableExecutor, SupergraphSource
from router.supergraph import Supergraph
from servicekit.logging import get_logger

__all__ = ["LivePolledSupergraph", "PolledDocument", "UrlSupergraphSource"]

_log = get_logger("router.supergraph")


@dataclass(frozen=True, slots=True)
class PolledDocument:
    """The SDL with the validators to send next time."""

    sdl: str
    etag: str | None
    last_modified: str | None


def _document(response: httpx.Response) -> PolledDocument:
    return PolledDocument(
        response.text, response.headers.get("etag"), response.headers.get("last-modified")
    )


class UrlSupergraphSource(SupergraphSource):
    """An ``http(s)`` supergraph URL that remembers the validators of its last answer."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.document: PolledDocument | None = None

    def read(self) -> str:
        """The start-up read (blocking, before the loop runs); raises ``httpx.HTTPError``."""
        response = httpx.get(self.location, timeout=10.0, follow_redirects=True)
        response.raise_for_status()
        self.document = _document(response)
        return self.document.sdl

    def conditional_headers(self) -> dict[str, str]:
        """``If-None-Match`` (preferred, RFC 9110 13.1.2) or ``If-Modified-Since``."""
        document = self.document
        if document is None:
            return {}
        if document.etag:
            return {"if-none-match": document.etag}
        if document.last_modified:
            return {"if-modified-since": document.last_modified}
        return {}

    async def poll(self, client: httpx.AsyncClient) -> PolledDocument | None:
        """The new document, or ``None`` when the server answered 304 Not Modified."""
        response = await client.get(self.location, headers=self.conditional_headers())
        if response.status_code == 304:
            return None
        response.raise_for_status()
        return _document(response)


class LivePolledSupergraph(LiveSupergraph):
    """Keeps the gateway on the URL's current supergraph while :meth:`start`'s task runs."""

    def __init__(
        self,
        source: UrlSupergraphSource,
        executor: ReloadableExecutor,
        supergraph: Supergraph,
        *,
        interval_seconds: float,
    ) -> None:
        super().__init__(source, executor, supergraph)
        self.url_source = source
        self.interval_seconds = interval_seconds
        self.polls = 0
        self.not_modified = 0

    async def poll_once(self, client: httpx.AsyncClient) -> bool:
        """One conditional GET; True when a new supergraph was swapped in. Never raises for
        a failing server or a broken supergraph (both keep the current one)."""
        self.polls += 1
        try:
            document = await self.url_source.poll(client)
            if document is None:
                self.not_modified += 1
                return False
            current = self.url_source.document
            if current is not None and current.sdl == document.sdl:
                self.url_source.document = document  # same text, new validators
                return False
            await self.swap_in(document.sdl)
        except Exception as error:  # a failing server must never take the router down
            _log.error(
                "supergraph poll failed, keeping the current one",
                source=self.source.location,
                error=f"{type(error).__name__}: {error}",
            )
            return False
        self.url_source.document = document
        _log.info(
            "supergraph reloaded",
            source=self.source.location,
            etag=document.etag,
            subgraphs=list(self.supergraph.graph_names),
        )
        return True

    async def _poll(self) -> None:
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=True) as client:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.interval_seconds)
                if self._stop.is_set():
                    return
                await self.poll_once(client)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._poll(), name="supergraph-poll")
