"""The router cache benchmark (issue #17), in one run over the seeded subgraphs:

* the benchmark query (benchmarks/workload/query.graphql) and a BFF screen (the web BFF's
  ``BffWeb_ProductCard`` router operation for 8 products, what its product grid sends) with the
  response cache off, cold (every request misses: the cache is emptied through the invalidation
  endpoint before each request, outside the timed part) and warm (primed once);
  client latency p50/p99 and the router's CPU per request;
* plan warm-up: the p99 of the first 100 requests after a restart (a mix of the BFFs' router
  operations), with and without warm-up from the persisted-operation manifests.

    python -m benchmarks.cache_bench [--requests 200]   (or: bench cache)

Results go to ``benchmarks/results/cache-*.json`` and stdout, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.procstat import group_usage
from benchmarks.results import write_results
from benchmarks.workload import QUERY_PATH
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS
from tests.http.router_process import RunningRouter, running_router
from tests.support.stack import RunningStack, running_stack

__all__ = ["main"]

SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"
MANIFESTS = [
    str(PROJECT_ROOT / "schema" / "persisted" / "bff-web.router.json"),
    str(PROJECT_ROOT / "schema" / "persisted" / "bff-mobile.router.json"),
]
KEY = f"bench-{uuid.uuid4().hex}"


def _manifest_body(name: str) -> str:
    import json

    for path in MANIFESTS:
        for operation in json.loads(Path(path).read_text())["operations"]:
            if operation["name"] == name:
                body: str = operation["body"]
                return body
    raise KeyError(name)


def _config(stack: RunningStack, prefix: str, *, cache: bool, warmup: bool) -> dict[str, Any]:
    return {
        "subgraphs": {name: {"url": stack.urls[name]} for name in SUBGRAPHS},
        "response_cache": {
            "enabled": cache,
            "key_prefix": prefix,
            "warmup": {"enabled": warmup, "manifests": MANIFESTS if warmup else []},
        },
    }


@contextmanager
def _router(
    stack: RunningStack, workdir: Path, *, cache: bool, warmup: bool = False
) -> Iterator[RunningRouter]:
    prefix = f"bench:cache:{uuid.uuid4().hex[:8]}"
    os.environ["ROUTER_INVALIDATION_KEY"] = KEY
    config = _config(stack, prefix, cache=cache, warmup=warmup)
    name = f"router-{uuid.uuid4().hex[:6]}"
    with running_router(workdir, supergraph=SUPERGRAPH, config=config, name=name) as router:
        yield router
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def _empty(client: httpx.Client, router: RunningRouter) -> None:
    body = [{"kind": "subgraph", "subgraph": name} for name in SUBGRAPHS]
    answer = client.post(f"{router.url}/invalidation", json=body, headers={"authorization": KEY})
    answer.raise_for_status()


def _cpu(router: RunningRouter) -> float:
    pid = router.process.pid
    return group_usage(pid).cpu_seconds if pid else 0.0


def _measure(
    router: RunningRouter, payload: dict[str, Any], requests: int, *, cold: bool
) -> dict[str, float]:
    latencies: list[float] = []
    with httpx.Client(timeout=60) as client:
        client.post(router.graphql_url, json=payload).raise_for_status()  # connection, plan
        cpu = 0.0
        for _ in range(requests):
            if cold:
                _empty(client, router)
            before = _cpu(router)
            start = time.perf_counter()
            answer = client.post(router.graphql_url, json=payload)
            latencies.append(time.perf_counter() - start)
            cpu += _cpu(router) - before
            if answer.status_code != 200 or answer.json().get("errors"):
                raise RuntimeError(f"benchmark request failed: {answer.text[:300]}")
    return _summary(latencies) | {"cpu_ms_per_request": 1000 * cpu / requests}


def _summary(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {"p50_ms": 1000 * statistics.median(ordered), "p99_ms": 1000 * p99}


def _first_requests(
    router: RunningRouter, mix: list[dict[str, Any]], count: int
) -> dict[str, float]:
    latencies: list[float] = []
    cpu = _cpu(router)
    with httpx.Client(timeout=60) as client:
        for index in range(count):
            start = time.perf_counter()
            answer = client.post(router.graphql_url, json=mix[index % len(mix)])
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200:
                raise RuntimeError(f"warm-up request failed: {answer.text[:300]}")
    return _summary(latencies) | {"cpu_ms_total": 1000 * (_cpu(router) - cpu)}


def _mix(upcs: list[str]) -> list[dict[str, Any]]:
    keys = {"keys": upcs}
    uses = [
        ("BffWeb_ProductCard", keys),
        ("BffWeb_ProductDetail", keys),
        ("BffWeb_ProductRating", keys),
        ("BffWeb_TopProducts", {"first": 5}),
        ("BffWeb_RecentReviews", {"first": 5}),
        ("BffWeb_RelatedProducts", {"first": 5}),
        ("BffWeb_UserName", {"keys": ["1", "2"]}),
        ("BffMobile_Feed", {"first": 5}),
        ("BffMobile_ProductTile", keys),
        ("BffMobile_ProductDetail", keys),
        ("BffMobile_UserName", {"keys": ["1"]}),
    ]
    return [
        {"query": _manifest_body(name), "operationName": name, "variables": variables}
        for name, variables in uses
    ]


def run(requests: int, first: int, *, parts: str = "all", attempts: int = 2) -> dict[str, Any]:
    results: dict[str, Any] = {"requests": requests, "load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        workdir = Path(folder)
        top = httpx.post(
            stack.urls["products"], json={"query": "{ topProducts(first: 8) { upc } }"}, timeout=30
        ).json()["data"]["topProducts"]
        upcs = [p["upc"] for p in top]
        workloads = {
            "benchmark query": {"query": QUERY_PATH.read_text()},
            "BFF product grid": {
                "query": _manifest_body("BffWeb_ProductCard"),
                "operationName": "BffWeb_ProductCard",
                "variables": {"keys": upcs},
            },
        }
        table: dict[str, dict[str, dict[str, float]]] = {}
        for label, payload in workloads.items() if parts in ("all", "cache") else ():
            row = table.setdefault(label, {})
            with _router(stack, workdir, cache=False) as router:
                row["off"] = _measure(router, payload, requests, cold=False)
            with _router(stack, workdir, cache=True) as router:
                row["cold"] = _measure(router, payload, requests, cold=True)
                row["warm"] = _measure(router, payload, requests, cold=False)
        results["cache"] = table
        mix = _mix(upcs)
        warmup: dict[str, Any] = {}
        for _attempt in range(attempts if parts in ("all", "warmup") else 0):
            for enabled in (False, True):  # alternating: the machine's load drifts
                with _router(stack, workdir, cache=False, warmup=enabled) as router:
                    measured = _first_requests(router, mix, first)
                warmup.setdefault("with" if enabled else "without", []).append(measured)
        results["warmup"] = warmup
    results["load_average_end"] = os.getloadavg()
    return results


def render(results: dict[str, Any]) -> str:
    lines = [
        f"load average at start {results['load_average_start']}, end {results['load_average_end']}"
    ]
    lines.append(f"{'workload':<18}{'cache':<7}{'p50 ms':>9}{'p99 ms':>9}{'router CPU ms/req':>19}")
    for label, row in results["cache"].items():
        for variant, figures in row.items():
            lines.append(
                f"{label:<18}{variant:<7}{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}"
                f"{figures['cpu_ms_per_request']:>19.2f}"
            )
    lines.append("first requests after a restart (p99 ms, per attempt):")
    for variant, attempts in results["warmup"].items():
        shown = ", ".join(
            f"p50 {a['p50_ms']:.1f} / p99 {a['p99_ms']:.1f} / router CPU {a['cpu_ms_total']:.0f} ms"
            for a in attempts
        )
        lines.append(f"  {variant} warm-up: {shown}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench cache", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per variant")
    parser.add_argument("--first", type=int, default=100, help="requests after each restart")
    parser.add_argument("--attempts", type=int, default=2, help="restarts per warm-up variant")
    parser.add_argument("--only", choices=("all", "cache", "warmup"), default="all")
    args = parser.parse_args(argv)
    results = run(args.requests, args.first, parts=args.only, attempts=args.attempts)
    path = write_results("cache", results)
    print(render(results))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
