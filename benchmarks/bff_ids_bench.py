"""The mobile BFF's router traffic by id vs as text (issue #18): cost per cold screen.

    python -m benchmarks.bff_ids_bench [--duration 5] [--concurrency 4]

Starts the five seeded subgraphs and our router (``tests/bff/stack.py``, deduplication off as in
``benchmarks.bff_bench``, client batching on, the mobile BFF's router manifest loaded for client
``bff-mobile`` with policy ``allow`` so both modes run), then the mobile BFF in this process
twice: ``router_persisted_ids`` off (one ``query BffStep`` text per step) and on (one client
batch of ids per step). Per screen, on a cold cache (the cache version changes before each
request): router HTTP requests, GraphQL operations and request body bytes of one screen, then
requests/s, latency and CPU per request (this process, and the router + subgraph processes).

Results go to ``benchmarks/results/bff-ids-*.json`` and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bff_bench import _throughput
from benchmarks.results import write_results
from bff.manifests import load_manifest
from bff.runtime import BffRuntime
from bff_mobile.app import MobileSettings, create_app
from servicekit.redis import create_redis
from servicekit.topology import PROJECT_ROOT

__all__ = ["main", "run"]

MOBILE = {op.name: op for op in load_manifest("mobile").operations}
ROUTER_SETTINGS = {
    "deduplicate_inbound": False,
    "all_subgraphs": {"deduplicate_queries": False},
    "batching": {"enabled": True, "mode": "batch_http_link", "maximum_size": 10},
    "persisted_queries": {
        "enabled": True,
        "policy": "allow",
        "clients": {
            "bff-mobile": {
                "policy": "allow",
                "manifests": [str(PROJECT_ROOT / "schema/persisted/bff-mobile.router.json")],
            }
        },
    },
}
SCREENS: dict[str, tuple[str, dict[str, Any]]] = {
    "feed(first: 50)": ("Feed", {"first": 50}),
    "productDetail": ("ProductDetail", {"upc": "100000000001"}),
    "myOrders(first: 2)": ("MyOrders", {"first": 2}),
}


async def _mode(
    stack: Any, redis_url: str, by_id: bool, *, token: str, seconds: float, concurrency: int
) -> dict[str, Any]:
    namespace = f"bench:ids:{uuid.uuid4().hex[:8]}"
    settings = MobileSettings(
        router_url=stack.router_url,
        redis_url=redis_url,
        cache_namespace=namespace,
        mode="production",
        supergraph_path=stack.supergraph_path,
        router_persisted_ids=by_id,
        **stack.token_settings(),
    )
    app = create_app(settings)
    runtime: BffRuntime = app.state.runtime
    results: dict[str, Any] = {}
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bff-mobile"
            ) as http,
        ):
            cache, counter = runtime.cache, iter(range(10**9))
            version = cache.schema_version

            def cold() -> None:
                cache.schema_version = f"{version}-cold-{next(counter)}"

            headers = {"authorization": f"Bearer {token}"}
            for label, (name, variables) in SCREENS.items():
                body = {
                    "extensions": {"persistedQuery": {"version": 1, "sha256Hash": MOBILE[name].id}},
                    "variables": variables,
                }

                def request(body: dict[str, Any] = body) -> Awaitable[httpx.Response]:
                    return http.post("/graphql", json=body, headers=headers)

                stats = runtime.router.stats
                cold()
                before = (stats.requests, stats.operations, stats.bytes_sent)
                response = await request()
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise RuntimeError(f"{label}: {response.text[:300]}")
                one = {
                    "router_requests": stats.requests - before[0],
                    "router_operations": stats.operations - before[1],
                    "request_body_bytes": stats.bytes_sent - before[2],
                }
                measured = await _throughput(request, cold, seconds, concurrency, stack.pgids)
                results[label] = {**one, "cold": measured}
    finally:
        redis = create_redis(redis_url)
        keys = [key async for key in redis.scan_iter(match=f"{namespace}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    return results


async def run(redis_url: str, seconds: float, concurrency: int) -> dict[str, Any]:
    from tests.bff.stack import login, running_bff_stack

    with (
        tempfile.TemporaryDirectory() as folder,
        running_bff_stack(Path(folder), router_settings=ROUTER_SETTINGS) as stack,
    ):
        user = next(u for u in stack.seed.users if u.id == 3)
        token = login(stack.router_url, user.username)
        common = {"token": token, "seconds": seconds, "concurrency": concurrency}
        text = await _mode(stack, redis_url, False, **common)
        ids = await _mode(stack, redis_url, True, **common)
    return {
        "duration_seconds": seconds,
        "concurrency": concurrency,
        "text": text,
        "ids": ids,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bff_ids_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.redis_url, args.duration, args.concurrency))
    path = write_results("bff-ids", results)
    json.dump(results, sys.stdout, indent=2)
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
