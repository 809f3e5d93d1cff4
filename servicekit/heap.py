"""The garbage collector's settings for a long-lived server process.

CPython's cyclic collector runs generation 0 every 700 net allocations of container objects
(``gc.get_threshold()`` defaults to ``(700, 10, 10)``). A server answering many requests at once
keeps every in-flight request's objects alive, so each of those collections walks them and
promotes them, and every tenth one walks all of generation 1 as well. Under the gateway
benchmark's load (50 connections, 87 KB answers) the router spent about 150 µs of CPU per request
in the collector, ~15% of the request (``bench telemetry`` with a ``gc.callbacks`` probe,
2026-12-05: 4.25 s of collections over ~28,000 requests). Raising the first threshold makes a
collection rare, while objects freed by reference counting (almost all of a request's) never
needed one: 20,000 cut the collector's time by two thirds and the router's CPU per request by
9.8% in the same run (50,000: 10.8%, with collections so rare that cyclic garbage would wait
long). Objects built at start-up are moved out of the collector's reach with ``gc.freeze()``
(issue #11: a full collection walking the schema and planner state took 60-70 ms).
"""

from __future__ import annotations

import gc

__all__ = ["GC_THRESHOLDS", "settle_heap"]

GC_THRESHOLDS = (20_000, 20, 10)
"""``gc.set_threshold`` for a server: generation 0 every 20,000 net container allocations,
generation 1 every 20 of those, generation 2 at CPython's default ratio."""


def settle_heap(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """After start-up: freeze what was built so far (it lives as long as the process) and
    space the collections out. Call once, when the application is built, before serving."""
    gc.freeze()
    gc.set_threshold(*thresholds)
