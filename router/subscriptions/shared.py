"""Subgraph subscription deduplication: client subscriptions that would send the same subgraph
the same subscription share one subgraph WebSocket (issue #16's load: a thousand clients
following ten products open ten subgraph streams, not a thousand).

Apollo Router does the same (``subscription.enable_deduplication``, on by default): the key is
the whole subgraph request, so two callers share a stream only when the subgraph could not tell
them apart: same subgraph URL, operation, variables and upgrade headers (the caller's forwarded
identity included, its signature excepted: it is made again for every handshake). The rest of
each client's plan (entity fetches, shaping, authorization) still runs per client.

A subscriber that joins an open stream first receives the stream's latest event, so it starts
where a stream of its own would have started: the subgraphs here send the current state on
subscribe (``stockChanged``, ``orderStatusChanged``) and every event is a whole state, which
Apollo Router does not do (its late joiners wait for the next change). Set
``subscriptions.replay_latest_event: false`` for subgraphs whose events are not states.

Each subscriber has its own queue; one that falls ``max_lag`` events behind (a client that does
not read) is ended with ``SUBSCRIPTION_CLIENT_TOO_SLOW`` instead of slowing the others down.
The subgraph stream closes when its last subscriber leaves, and its end (``complete``, an error,
a disconnect) ends every subscriber.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.execution.subgraphs import SubgraphAnswer
from router.request import graphql_error
from router.subscriptions.upstream import SubgraphStreamError, subgraph_events
from servicekit.auth.forwarded import SIGNATURE_HEADER
from servicekit.logging import get_logger

__all__ = ["SLOW_CODE", "StreamRequest", "SubgraphStreams"]

_log = get_logger("router.subscriptions")
SLOW_CODE = "SUBSCRIPTION_CLIENT_TOO_SLOW"


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """One subgraph subscription request, as :func:`subgraph_events` sends it."""

    service: str
    url: str
    payload: Mapping[str, Any]
    headers: Mapping[str, str]
    connect_timeout: float
    identity_secret: str | None = None

    def key(self) -> bytes:
        """What the subgraph sees of the request (the identity's signature is per handshake)."""
        headers = sorted(
            (name.lower(), value)
            for name, value in self.headers.items()
            if name.lower() != SIGNATURE_HEADER.lower()
        )
        return orjson.dumps(
            [self.service, self.url, self.payload, headers], option=orjson.OPT_SORT_KEYS
        )

    def open(self) -> AsyncIterator[SubgraphAnswer]:
        return subgraph_events(
            self.service,
            self.url,
            self.payload,
            self.headers,
            connect_timeout=self.connect_timeout,
            identity_secret=self.identity_secret,
        )


@dataclass(frozen=True, slots=True)
class _End:
    """The stream's end: ``errors`` None for ``complete``."""

    errors: list[dict[str, Any]] | None = None


_Item = bytes | _End
"""An event as JSON (``{"data", "errors"}``: each subscriber parses its own copy, because the
executor merges entity data into it) or the end."""


@dataclass(eq=False)
class _SharedStream:
    key: bytes
    request: StreamRequest
    streams: SubgraphStreams
    subscribers: set[asyncio.Queue[_Item]] = field(default_factory=set)
    latest: bytes | None = None
    task: asyncio.Task[None] | None = None

    def join(self, replay_latest: bool) -> asyncio.Queue[_Item]:
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        if replay_latest and self.latest is not None:
            queue.put_nowait(self.latest)
        self.subscribers.add(queue)
        if self.task is None:
            self.task = asyncio.create_task(self._pump())
        return queue

    def leave(self, queue: asyncio.Queue[_Item]) -> None:
        self.subscribers.discard(queue)
        if not self.subscribers:
            self.streams.forget(self)
            if self.task is not None and not self.task.done():
                self.task.cancel()  # closes the subgraph WebSocket

    def _deliver(self, item: bytes) -> None:
        for queue in list(self.subscribers):
            if queue.qsize() >= self.streams.max_lag:
                self.subscribers.discard(queue)
                message = "the client did not keep up with its subscription's events"
                queue.put_nowait(_End([graphql_error(message, SLOW_CODE)]))
            else:
                queue.put_nowait(item)

    async def _pump(self) -> None:
        end = _End()
        try:
            async for answer in self.request.open():
                self.latest = orjson.dumps({"data": answer.data, "errors": answer.errors})
                self._deliver(self.latest)
        except SubgraphStreamError as error:
            end = _End(error.errors)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("subgraph subscription stream failed")
            end = _End([graphql_error("Internal server error", "INTERNAL_SERVER_ERROR")])
        self.streams.forget(self)  # a new subscriber opens a new stream from now on
        for queue in self.subscribers:
            queue.put_nowait(end)
        self.subscribers.clear()


class SubgraphStreams:
    """The open subgraph subscription streams of one router process, by request."""

    def __init__(self, *, deduplicate: bool, replay_latest: bool, max_lag: int) -> None:
        self.deduplicate = deduplicate
        self.replay_latest = replay_latest
        self.max_lag = max_lag
        self._open: dict[bytes, _SharedStream] = {}

    @property
    def open_count(self) -> int:
        """Subgraph streams shared right now (not counting undeduplicated ones)."""
        return len(self._open)

    def forget(self, stream: _SharedStream) -> None:
        if self._open.get(stream.key) is stream:
            del self._open[stream.key]

    async def events(self, request: StreamRequest) -> AsyncIterator[SubgraphAnswer]:
        """Each event of ``request``'s subgraph stream, from a stream shared with every other
        subscriber of the same request; raises :class:`SubgraphStreamError` as
        :func:`subgraph_events` does."""
        if not self.deduplicate:
            async for answer in request.open():
                yield answer
            return
        key = request.key()
        stream = self._open.get(key)
        if stream is None:
            stream = self._open[key] = _SharedStream(key, request, self)
        queue = stream.join(self.replay_latest)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    if item.errors is not None:
                        raise SubgraphStreamError(item.errors)
                    return
                event = orjson.loads(item)
                yield SubgraphAnswer(data=event["data"], errors=event["errors"])
        finally:
            stream.leave(queue)
