"""Where the router's supergraph comes from, and hot reload without dropping requests.

``router --supergraph`` takes a file or an ``http(s)`` URL. A file is watched (watchfiles, on its
folder so editors that replace the file are seen too); on change the new SDL is loaded with
``router.supergraph.load_supergraph`` and handed to ``Gateway.swap_supergraph``. Requests in flight
keep the supergraph they started with (the swap only replaces the reference the next request
reads). A broken new file keeps the old supergraph and logs an error. A URL is polled with
``If-None-Match`` (:mod:`router.http.supergraph_poll`, issue #18); the registry is long-polled
(:mod:`router.http.registry_source`); both swap through :meth:`LiveSupergraph.swap_in`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx
from watchfiles import Change, awatch

from router.http.executor import Executor
from router.supergraph import Supergraph, load_supergraph
from servicekit.logging import get_logger

__all__ = ["LiveSupergraph", "ReloadableExecutor", "SupergraphSource"]

_log = get_logger("router.supergraph")


class ReloadableExecutor(Executor, Protocol):
    """The part of ``router.gateway.Gateway`` hot reload needs."""

    def swap_supergraph(self, supergraph: Supergraph) -> None: ...


class SupergraphSource:
    """A supergraph location: a file path or an ``http://`` / ``https://`` URL."""

    def __init__(self, location: str) -> None:
        self.location = location

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def path(self) -> Path:
        return Path(self.location).resolve()

    def read(self) -> str:
        """The SDL text; raises ``OSError`` or ``httpx.HTTPError`` when it cannot be read."""
        if not self.is_url:
            return self.path.read_text()
        response = httpx.get(self.location, timeout=10.0, follow_redirects=True)
        response.raise_for_status()
        return response.text

    def load(self) -> Supergraph:
        return load_supergraph(self.read())


class LiveSupergraph:
    """The loaded supergraph, kept in step with its source file while :meth:`watch` runs."""

    def __init__(
        self,
        source: SupergraphSource,
        executor: ReloadableExecutor,
        supergraph: Supergraph,
        *,
        on_reload: Callable[[Supergraph], None] | None = None,
    ) -> None:
        self.source = source
        self.executor = executor
        self.supergraph = supergraph
        self.reloads = 0
        self._on_reload = on_reload
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def reload(self) -> bool:
        """Load the source again and swap it in; on any failure keep the current supergraph."""
        try:
            supergraph = self.source.load()
            self.executor.swap_supergraph(supergraph)
        except Exception as error:  # a broken file must never take the router down
            _log.error(
                "supergraph reload failed, keeping the previous one",
                source=self.source.location,
                error=f"{type(error).__name__}: {error}",
            )
            return False
        self.supergraph = supergraph
        self.reloads += 1
        if self._on_reload is not None:
            self._on_reload(supergraph)
        _log.info(
            "supergraph reloaded",
            source=self.source.location,
            subgraphs=list(supergraph.graph_names),
        )
        return True

    async def swap_in(self, sdl: str, *, before_swap: Callable[[], None] | None = None) -> None:
        """Load ``sdl`` off the event loop and swap it in: the pollers' reload path (registry,
        URL). Raises when ``sdl`` is not a usable supergraph; the current one then stays."""
        supergraph = await asyncio.to_thread(load_supergraph, sdl)
        if before_swap is not None:
            before_swap()
        self.executor.swap_supergraph(supergraph)
        self.supergraph = supergraph
        self.reloads += 1
        if self._on_reload is not None:
            self._on_reload(supergraph)

    async def _watch(self) -> None:
        path = self.source.path

        def relevant(_change: Change, changed: str) -> bool:
            return Path(changed).name == path.name

        async for _ in awatch(path.parent, watch_filter=relevant, stop_event=self._stop):
            if path.is_file():
                self.reload()

    async def start(self) -> None:
        """Start watching a file source (an URL source is read once at startup)."""
        if not self.source.is_url and self._task is None:
            self._task = asyncio.create_task(self._watch(), name="supergraph-watch")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
