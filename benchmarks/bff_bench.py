"""The BFF benchmark (issue #6): warm-cache vs cold screens, and web vs mobile payload bytes.

    python -m benchmarks.bff_bench [--router-url URL] [--duration 5] [--concurrency 8]

Without ``--router-url`` it starts the five seeded subgraphs and our router on free ports
(``tests/bff/stack.py``). The BFFs run in this process behind httpx's ASGI transport, with real
Redis (``--redis-url``, a private key namespace deleted afterwards), so the figures are the BFF's
own cost plus its router and Redis round trips, without a client's HTTP hop.

* cold: every request sees an empty cache (the cache version is changed before each request),
  so it pays the Redis misses, the router requests and the write-back; the stack's router runs
  with every deduplication off (issue #20), so each screen pays its own router work;
* warm: the cache is primed once; every request is served from Redis with no router request.

Results go to ``benchmarks/results/bff-*.json`` and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.procstat import group_usage
from benchmarks.results import write_results
from bff.manifests import load_manifest
from bff.runtime import BffRuntime
from bff_mobile.app import MobileSettings
from bff_mobile.app import create_app as create_mobile
from bff_web.app import WebSettings
from bff_web.app import create_app as create_web
from servicekit.redis import create_redis

__all__ = ["main", "run"]

PRODUCT_UPC = "100000000001"
WEB = {op.name: op for op in load_manifest("web").operations}
MOBILE = {op.name: op for op in load_manifest("mobile").operations}
Request = Callable[[], Awaitable[httpx.Response]]


@contextmanager
def _router(url: str | None) -> Iterator[tuple[str, tuple[int, ...], Path | None]]:
    """The router URL, the stack's process groups and its supergraph file (for an external
    router: no process groups, the supergraph given on the command line)."""
    if url:
        yield url, (), None
        return
    from tests.bff.stack import running_bff_stack

    no_dedupe = {"deduplicate_inbound": False, "all_subgraphs": {"deduplicate_queries": False}}
    with (
        tempfile.TemporaryDirectory() as folder,
        running_bff_stack(Path(folder), router_settings=no_dedupe) as stack,
    ):
        yield stack.router_url, stack.pgids, stack.supergraph_path


def _stack_cpu(pgids: tuple[int, ...]) -> float:
    return sum(group_usage(pgid).cpu_seconds for pgid in pgids)


async def _throughput(
    request: Request,
    before_each: Callable[[], None],
    seconds: float,
    concurrency: int,
    pgids: tuple[int, ...],
) -> dict[str, Any]:
    """Requests/s and latency, plus CPU per request: this process (BFF + its in-process client)
    and the router + subgraph processes. CPU is steadier than req/s on a shared machine."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    cpu_before, stack_before = time.process_time(), _stack_cpu(pgids)

    async def worker() -> None:
        while time.perf_counter() < deadline:
            before_each()
            started = time.perf_counter()
            response = await request()
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(f"benchmark request failed: {response.text[:300]}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    bff_cpu = time.process_time() - cpu_before
    stack_cpu = _stack_cpu(pgids) - stack_before
    ordered = sorted(latencies)
    count = len(latencies)
    return {
        "requests": count,
        "bff_cpu_ms_per_request": round(bff_cpu / count * 1000, 2),
        "stack_cpu_ms_per_request": round(stack_cpu / count * 1000, 2) if pgids else None,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    }


async def _screen(
    runtime: BffRuntime,
    request: Request,
    seconds: float,
    concurrency: int,
    pgids: tuple[int, ...],
) -> dict[str, Any]:
    cache = runtime.cache
    version = cache.schema_version
    counter = iter(range(10**9))

    def cold_version() -> None:
        cache.schema_version = f"{version}-cold-{next(counter)}"

    cold_version()
    before = runtime.router.stats.requests
    await request()
    first_cold = runtime.router.stats.requests - before
    cold = await _throughput(request, cold_version, seconds, concurrency, pgids)
    cache.schema_version = version
    await request()  # prime
    before, errors = runtime.router.stats.requests, runtime.cache.stats.errors
    warm = await _throughput(request, lambda: None, seconds, concurrency, pgids)
    warm["router_requests"] = runtime.router.stats.requests - before
    warm["router_requests_per_request"] = round(warm["router_requests"] / warm["requests"], 3)
    warm["redis_errors"] = runtime.cache.stats.errors - errors
    cold["router_requests_per_request"] = first_cold
    result: dict[str, Any] = {
        "cold": cold,
        "warm": warm,
        "warm_over_cold": round(warm["rps"] / cold["rps"], 1),
    }
    if pgids:
        cold_cpu = cold["bff_cpu_ms_per_request"] + cold["stack_cpu_ms_per_request"]
        warm_cpu = warm["bff_cpu_ms_per_request"] + warm["stack_cpu_ms_per_request"]
        result["cpu_cold_over_warm"] = round(cold_cpu / warm_cpu, 1)
        # issue #20: what the BFF adds on the cold path over the router's (and its subgraphs')
        # own work, in CPU (steady on a loaded machine): at most +20% is the target
        result["cold_bff_over_stack_cpu"] = round(
            cold["bff_cpu_ms_per_request"] / cold["stack_cpu_ms_per_request"], 2
        )
    return result


async def run(
    router_url: str,
    redis_url: str,
    seconds: float,
    concurrency: int,
    *,
    pgids: tuple[int, ...] = (),
    supergraph: Path | None = None,
) -> dict[str, Any]:
    namespace = f"bench:{uuid.uuid4().hex[:8]}"
    web_app = create_web(
        WebSettings(
            mode="production",
            router_url=router_url,
            redis_url=redis_url,
            cache_namespace=namespace,
            redis_timeout_seconds=5.0,
            supergraph_path=supergraph,
        )
    )
    mobile_app = create_mobile(
        MobileSettings(
            mode="production",
            router_url=router_url,
            redis_url=redis_url,
            cache_namespace=namespace,
            redis_timeout_seconds=5.0,
            supergraph_path=supergraph,
        )
    )
    results: dict[str, Any] = {}
    try:
        async with (
            web_app.router.lifespan_context(web_app),
            mobile_app.router.lifespan_context(mobile_app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app), base_url="http://w") as w,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=mobile_app), base_url="http://m"
            ) as m,
        ):
            product = {"upc": PRODUCT_UPC}

            def web_page() -> Awaitable[httpx.Response]:
                body = {"query": WEB["ProductPage"].body, "variables": product}
                return w.post("/graphql", json=body)

            def mobile_detail() -> Awaitable[httpx.Response]:
                return m.post(
                    "/graphql", json={"id": MOBILE["ProductDetail"].id, "variables": product}
                )

            def mobile_feed() -> Awaitable[httpx.Response]:
                return m.post(
                    "/graphql", json={"id": MOBILE["Feed"].id, "variables": {"first": 50}}
                )

            web_bytes = len((await web_page()).content)
            mobile_bytes = len((await mobile_detail()).content)
            results["payload_bytes"] = {
                "product": PRODUCT_UPC,
                "web_productPage": web_bytes,
                "mobile_productDetail": mobile_bytes,
                "mobile_over_web": round(mobile_bytes / web_bytes, 2),
            }
            runtimes = (web_app.state.runtime, mobile_app.state.runtime)
            results["web_productPage"] = await _screen(
                runtimes[0], web_page, seconds, concurrency, pgids
            )
            results["mobile_feed50"] = await _screen(
                runtimes[1], mobile_feed, seconds, concurrency, pgids
            )
    finally:
        redis = create_redis(redis_url, timeout_seconds=5)
        keys = [key async for key in redis.scan_iter(match=f"{namespace}*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
        await redis.aclose()
    return results


def _print(results: dict[str, Any]) -> None:
    sizes = results["payload_bytes"]
    print(
        f"payload, product {sizes['product']}: web productPage {sizes['web_productPage']} B, "
        f"mobile productDetail {sizes['mobile_productDetail']} B "
        f"(mobile/web = {sizes['mobile_over_web']})"
    )
    for screen in ("web_productPage", "mobile_feed50"):
        row = results[screen]
        cold, warm = row["cold"], row["warm"]
        print(
            f"{screen}: cold {cold['rps']} req/s (p50 {cold['p50_ms']} ms, p99 {cold['p99_ms']} ms,"
            f" {cold['router_requests_per_request']} router requests each), "
            f"warm {warm['rps']} req/s (p50 {warm['p50_ms']} ms, p99 {warm['p99_ms']} ms, "
            f"{warm['router_requests']} router requests, {warm['redis_errors']} Redis errors in "
            f"total) -> warm/cold = {row['warm_over_cold']}x"
        )
        cpu = "bff_cpu_ms_per_request", "stack_cpu_ms_per_request"
        print(
            f"  CPU ms per request (BFF, router+subgraphs): cold {cold[cpu[0]]}, {cold[cpu[1]]}; "
            f"warm {warm[cpu[0]]}, {warm[cpu[1]]}; cold/warm = {row.get('cpu_cold_over_warm')}x;"
            f" cold BFF CPU / router+subgraphs CPU = {row.get('cold_bff_over_stack_cpu')}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bff_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--router-url", help="use a running router (seeded with >= 50 products)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--supergraph", type=Path, help="the supergraph file an external router serves"
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    with _router(args.router_url) as (router_url, pgids, supergraph):
        results = asyncio.run(
            run(
                router_url,
                args.redis_url,
                args.duration,
                args.concurrency,
                pgids=pgids,
                supergraph=supergraph or args.supergraph,
            )
        )
    settings = {"duration": args.duration, "concurrency": args.concurrency}
    path = write_results("bff", {"settings": settings, **results})
    _print(results)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
