"""Plan cache warm-up (issue #17): the persisted-operation manifests at boot, and on hot reload
the previous supergraph's most used documents too."""

from __future__ import annotations

import json

from router.caching.warmup import PlanWarmup
from router.config import RouterConfig
from router.gateway import Gateway
from router.supergraph import load_supergraph
from servicekit.topology import PROJECT_ROOT

SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"
MANIFESTS = [
    PROJECT_ROOT / "schema" / "persisted" / "bff-web.router.json",
    PROJECT_ROOT / "schema" / "persisted" / "bff-mobile.router.json",
]


def _distinct_operations() -> int:
    seen = set()
    for path in MANIFESTS:
        for operation in json.loads(path.read_text())["operations"]:
            seen.add((operation["body"], operation["name"]))
    return len(seen)


async def test_boot_plans_every_manifest_operation() -> None:
    gateway = Gateway.from_sdl(SUPERGRAPH.read_text(), RouterConfig())
    assert gateway.telemetry_stats()["plan_cache_entries"] == 0
    warmup = PlanWarmup(gateway, MANIFESTS, most_used=100)
    await warmup.at_boot()
    expected = _distinct_operations()
    assert expected > 5
    assert warmup.planned == expected
    assert gateway.telemetry_stats()["plan_cache_entries"] == expected
    await gateway.aclose()


def test_reload_plans_the_previous_supergraphs_documents_and_the_manifests() -> None:
    gateway = Gateway.from_sdl(SUPERGRAPH.read_text(), RouterConfig())
    warmup = PlanWarmup(gateway, MANIFESTS, most_used=100)
    gateway.on_swap(warmup.on_swap)
    used = "query Used { topProducts(first: 3) { upc name reviews { rating } } }"
    assert gateway.warm_plans([(used, "Used")]) == 1  # as a request would have
    gateway.swap_supergraph(load_supergraph(SUPERGRAPH.read_text()))
    assert gateway.previous_documents == [used]
    assert gateway.telemetry_stats()["plan_cache_entries"] == _distinct_operations() + 1
