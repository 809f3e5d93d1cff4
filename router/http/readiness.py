"""``/ready`` for the router: the supergraph is loaded (required); Redis (optional, APQ degrades
without it); subgraph reachability reported as details (a router with one subgraph down still
serves partial data, so it stays ready)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from redis.asyncio import Redis

from router.config import RouterConfig
from router.http.supergraph_source import LiveSupergraph
from servicekit.health import ReadinessCheck
from servicekit.redis import redis_probe

__all__ = ["router_readiness"]


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
            response = await client.post(url, json={"query": "{ __typename }"}, timeout=1.5)
        except httpx.HTTPError as error:
            return {"url": url, "reachable": False, "error": type(error).__name__}
        return {"url": url, "reachable": response.status_code < 500, "status": response.status_code}

    async def probe() -> Mapping[str, Any]:
        graphs = live.supergraph.graphs
        urls = [config.subgraph_url(graph.name, graph.url) for graph in graphs]
        results = await asyncio.gather(*(reach(url) for url in urls))
        return {graph.name: result for graph, result in zip(graphs, results, strict=True)}

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
        "subgraphs": ReadinessCheck(_subgraphs_probe(live, config, client), required=False),
    }
    if redis is not None:
        checks["redis"] = ReadinessCheck(redis_probe(redis), required=False)
    return checks
