"""``/ready`` for the router: the supergraph is loaded (required); Redis (optional, APQ degrades
without it); subgraph reachability, optional: a router with one subgraph down or hanging still
serves partial data, so it stays in rotation (200) but says *degraded* and names the subgraph
(``unreachable: reviews (ReadTimeout)``). The breakers check (:mod:`router.resilience.guard`)
adds what live traffic saw: open circuits and subgraphs whose calls are timing out."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from redis.asyncio import Redis

from router.config import RouterConfig
from router.http.supergraph_source import LiveSupergraph
from servicekit.health import CheckFailed, ReadinessCheck
from servicekit.redis import redis_probe

__all__ = ["PROBE_TIMEOUT_SECONDS", "router_readiness"]

PROBE_TIMEOUT_SECONDS = 1.0
"""Per subgraph; the check as a whole gets a second more, so one hung subgraph is named instead
of timing the whole check out."""


def _supergraph_probe(live: LiveSupergraph) -> Any:
    async def probe() -> Mapping[str, Any]:
        return {
            "source": live.source.location,
            "subgraphs": list(live.supergraph.graph_names),
            "reloads": live.reloads,
        }

    return probe


def _subgraphs_probe(live: LiveSupergraph, config: RouterConfig, client: httpx.AsyncClient) -> Any:
    async def reach(url: str) -> dict[str, Any]:
        try:
            response = await client.post(
                url, json={"query": "{ __typename }"}, timeout=PROBE_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as error:
            return {"url": url, "reachable": False, "error": type(error).__name__}
        return {"url": url, "reachable": response.status_code < 500, "status": response.status_code}

    async def probe() -> Mapping[str, Any]:
        graphs = live.supergraph.graphs
        urls = [config.subgraph_url(graph.name, graph.url) for graph in graphs]
        results = await asyncio.gather(*(reach(url) for url in urls))
        report = {graph.name: result for graph, result in zip(graphs, results, strict=True)}
        down = [
            f"{name} ({details.get('error') or details.get('status')})"
            for name, details in report.items()
            if not details["reachable"]
        ]
        # nested, like the breakers check: a subgraph named "ok" or "error" must not overwrite
        # the check's own keys
        if down:
            raise CheckFailed(f"unreachable: {', '.join(down)}", {"subgraphs": report})
        return {"subgraphs": report}

    return probe


def router_readiness(
    live: LiveSupergraph,
    config: RouterConfig,
    *,
    redis: Redis | None,
    client: httpx.AsyncClient,
) -> dict[str, ReadinessCheck]:
    checks = {
        "supergraph": ReadinessCheck(_supergraph_probe(live)),
        "subgraphs": ReadinessCheck(
            _subgraphs_probe(live, config, client),
            required=False,
            timeout_seconds=PROBE_TIMEOUT_SECONDS + 1.0,
        ),
    }
    if redis is not None:
        checks["redis"] = ReadinessCheck(redis_probe(redis), required=False)
    return checks
