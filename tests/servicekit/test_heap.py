"""``servicekit.heap.settle_heap`` in a fresh interpreter (it changes process-wide collector
state, so never in the test process): what start-up built is frozen, and a burst of live
objects like a loaded server's in-flight requests no longer triggers collections."""

from __future__ import annotations

import json
import subprocess
import sys

from servicekit.topology import PROJECT_ROOT

_PROBE = """
import gc, json, sys
from servicekit.heap import settle_heap
built = [[i] for i in range(5000)]            # start-up state
if sys.argv[1] == "settled":
    settle_heap()
before = gc.get_stats()[0]["collections"]
in_flight = [[i] for i in range(15000)]       # alive at once, as under load
print(json.dumps({
    "threshold": list(gc.get_threshold()),
    "frozen": gc.get_freeze_count() >= 5000,
    "collections": gc.get_stats()[0]["collections"] - before,
}))
"""


def _probe(mode: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_a_settled_heap_is_frozen_and_collects_rarely() -> None:
    assert _probe("settled") == {"threshold": [20000, 20, 10], "frozen": True, "collections": 0}


def test_the_default_collector_runs_every_few_hundred_allocations() -> None:
    """The contrast the setting exists for: CPython's default first threshold (700 up to 3.12,
    2,000 in 3.13) collects many times during the same 15,000 live objects."""
    default = _probe("default")
    threshold = default["threshold"]
    assert isinstance(threshold, list) and threshold[0] in (700, 2000)
    assert default["frozen"] is False
    collections = default["collections"]
    assert isinstance(collections, int) and collections >= 15000 // threshold[0] // 2
