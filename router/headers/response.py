"""Subgraph response headers collected for one client request, merged, then sent to the client.

The HTTP endpoint opens a :class:`ResponseHeaderSink` around one execution (a ``ContextVar``,
so the core's signatures do not change and tasks the execution spawns share it); the subgraph
client records what each subgraph answered when that subgraph has response rules; the endpoint
appends :meth:`ResponseHeaderSink.fields` to the client response.

Merging several subgraphs' values of one name (Hive Router's ``algorithm``): ``first`` keeps the
first response's values, ``last`` the last one's, ``append`` all of them joined with ``", "``
(RFC 9110 section 5.3). ``Set-Cookie`` values are never joined: each is its own field line
(RFC 6265 section 3), so two subgraphs' cookies both reach the client (Apollo Router's issue
1284). Responses count in arrival order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from router.headers.rules import Selected, select_response_headers
from router.headers.settings import HeadersSettings

__all__ = ["SET_COOKIE", "ResponseHeaderSink", "collecting", "current_sink"]

SET_COOKIE = "set-cookie"
_SINK: ContextVar[ResponseHeaderSink | None] = ContextVar("router_response_headers", default=None)


class ResponseHeaderSink:
    """What subgraph responses of one client request contribute to its response headers."""

    def __init__(self, settings: HeadersSettings) -> None:
        self._settings = settings
        self._received: list[list[Selected]] = []

    def wants(self, subgraph: str) -> bool:
        """Whether ``subgraph``'s response headers are needed (it has response rules)."""
        return bool(self._settings.response_rules(subgraph))

    def record(self, subgraph: str, received: Iterable[tuple[str, str]]) -> None:
        """One subgraph response's header fields (names in any case, repeats kept)."""
        selected = select_response_headers(self._settings.response_rules(subgraph), received)
        if selected:
            self._received.append(selected)

    def fields(self) -> list[tuple[str, str]]:
        """The merged header fields for the client, in first-seen name order."""
        by_name: dict[str, list[list[str]]] = {}
        algorithms: dict[str, str] = {}
        for response in self._received:
            values: dict[str, list[str]] = {}
            for item in response:
                values.setdefault(item.name, []).append(item.value)
                algorithms[item.name] = item.algorithm
            for name, found in values.items():
                by_name.setdefault(name, []).append(found)
        out: list[tuple[str, str]] = []
        for name, per_response in by_name.items():
            algorithm = algorithms[name]
            if algorithm == "first":
                chosen = per_response[0]
            elif algorithm == "last":
                chosen = per_response[-1]
            else:
                chosen = [value for values in per_response for value in values]
            if name == SET_COOKIE:
                out.extend((name, value) for value in chosen)
            elif algorithm == "append":
                out.append((name, ", ".join(chosen)))
            else:
                out.extend((name, value) for value in chosen)
        return out


def current_sink() -> ResponseHeaderSink | None:
    """The sink of the client request being executed, if its router has response rules."""
    return _SINK.get()


@contextmanager
def collecting(settings: HeadersSettings) -> Iterator[ResponseHeaderSink | None]:
    """A sink for one client request (``None`` when no response rule is configured)."""
    if not settings.has_response_rules:
        yield None
        return
    sink = ResponseHeaderSink(settings)
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)
