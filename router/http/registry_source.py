"""The supergraph from the schema registry (``router --registry URL``, issue #19).

At start-up the router reads ``GET /v1/supergraph`` (waiting up to ``startup_wait_seconds`` for
a registry that is starting or has nothing published yet); then one long-poll at a time
(``If-None-Match`` with the last ETag, ``Prefer: wait=N``, RFC 7240) returns as soon as a publish
is accepted or a replica comes or goes. A new supergraph is swapped in like a reloaded file
(requests in flight finish on the old one); the routing URLs become the load balancer's pools
(:mod:`router.resilience.balancer`), except for subgraphs whose URL the config overrides. A
registry that fails keeps the current supergraph; the poll retries after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from router.http.supergraph_source import LiveSupergraph, ReloadableExecutor, SupergraphSource
from router.resilience.balancer import LoadBalancer
from router.supergraph import Supergraph
from servicekit.logging import get_logger

__all__ = ["LiveRegistrySupergraph", "RegistryDocument", "RegistrySource"]

_log = get_logger("router.supergraph")

POLL_WAIT_SECONDS = 25
_RETRY_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class RegistryDocument:
    etag: str
    version: int
    supergraph_sdl: str
    routing_urls: dict[str, list[str]]


def _document(response: httpx.Response) -> RegistryDocument:
    body: Any = response.json()
    routing = body.get("routingUrls") if isinstance(body, dict) else None
    if not isinstance(routing, dict) or not isinstance(body.get("supergraphSdl"), str):
        raise ValueError("the registry's answer has no supergraphSdl and routingUrls")
    urls = {str(name): [str(url) for url in found] for name, found in routing.items()}
    return RegistryDocument(
        response.headers.get("etag", ""), int(body.get("version", 0)), body["supergraphSdl"], urls
    )


class RegistrySource(SupergraphSource):
    """The registry's base URL; :meth:`read` is the start-up read, :meth:`poll` the long-poll."""

    def __init__(
        self, base_url: str, token: str | None, *, startup_wait_seconds: float = 30.0
    ) -> None:
        super().__init__(base_url.rstrip("/"))
        self._headers = {"authorization": f"Bearer {token}"} if token else {}
        self._startup_wait_seconds = startup_wait_seconds
        self.document: RegistryDocument | None = None

    @property
    def is_url(self) -> bool:
        return True

    @property
    def endpoint(self) -> str:
        return f"{self.location}/v1/supergraph"

    def read(self) -> str:
        """The current SDL, waiting for the registry to have one; raises ``httpx.HTTPError``."""
        deadline = time.monotonic() + self._startup_wait_seconds
        while True:
            try:
                response = httpx.get(self.endpoint, headers=self._headers, timeout=10.0)
                if response.status_code != 404:
                    response.raise_for_status()
                    self.document = _document(response)
                    return self.document.supergraph_sdl
                problem: Exception = httpx.HTTPStatusError(
                    "the registry has no supergraph yet",
                    request=response.request,
                    response=response,
                )
            except httpx.TransportError as error:
                problem = error
            if time.monotonic() >= deadline:
                raise problem
            time.sleep(0.2)  # a registry still starting, or no subgraph published yet

    async def poll(self, client: httpx.AsyncClient, etag: str) -> RegistryDocument | None:
        """The next document once it differs from ``etag``; ``None`` when unchanged."""
        headers = {**self._headers, "if-none-match": etag, "prefer": f"wait={POLL_WAIT_SECONDS}"}
        response = await client.get(self.endpoint, headers=headers)
        if response.status_code == 304:
            return None
        response.raise_for_status()
        return _document(response)


class LiveRegistrySupergraph(LiveSupergraph):
    """The supergraph and the replicas' pools, kept in step with the registry while it runs."""

    def __init__(
        self,
        source: RegistrySource,
        executor: ReloadableExecutor,
        supergraph: Supergraph,
        balancer: LoadBalancer,
        *,
        overridden: Collection[str] = (),
        static_pools: Mapping[str, list[str]] | None = None,
        on_reload: Callable[[Supergraph], None] | None = None,
    ) -> None:
        super().__init__(source, executor, supergraph, on_reload=on_reload)
        self.registry = source
        self.balancer = balancer
        self._overridden = frozenset(overridden)
        self._static = dict(static_pools or {})
        self.version = source.document.version if source.document else 0
        if source.document is not None:
            self._route(source.document.routing_urls)

    def _route(self, urls: Mapping[str, list[str]]) -> None:
        found = {n: u for n, u in urls.items() if n not in self._overridden}
        self.balancer.set_pools({**found, **self._static})

    async def _apply(self, document: RegistryDocument) -> None:
        current = self.registry.document
        if current is None or current.supergraph_sdl != document.supergraph_sdl:
            urls = document.routing_urls
            await self.swap_in(document.supergraph_sdl, before_swap=lambda: self._route(urls))
        else:
            self._route(document.routing_urls)
        self.registry.document = document
        self.version = document.version
        _log.info(
            "registry update applied",
            source=self.source.location,
            version=document.version,
            routing={n: len(u) for n, u in document.routing_urls.items()},
        )

    async def _poll(self) -> None:
        timeout = httpx.Timeout(10.0, read=POLL_WAIT_SECONDS + 10.0)
        async with httpx.AsyncClient(timeout=timeout) as client:
            while not self._stop.is_set():
                etag = self.registry.document.etag if self.registry.document else ""
                try:
                    document = await self.registry.poll(client, etag)
                    if document is not None:
                        await self._apply(document)
                except Exception as error:  # a failing registry must never take the router down
                    _log.error(
                        "registry poll failed, keeping the current supergraph",
                        source=self.source.location,
                        error=f"{type(error).__name__}: {error}",
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), _RETRY_PAUSE_SECONDS)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._poll(), name="registry-poll")
