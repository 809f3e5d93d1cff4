"""``bench memory``: does the router's memory stay flat over 10,000 requests of mixed operations?

The router runs over the benchmark subgraphs; a closed loop of ``concurrency`` clients sends a
deterministic mix (small lookups with varying variables, list queries with varying literals,
one operation text in ten unique so unbounded caches show, and the deep benchmark query one
request in fifty). RSS is sampled after every 1,000 responses; the first and last 1,000 requests
are compared (RSS and latency). Every answer is checked against the oracle.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.gateway_bench import benchmark_supergraph, node_subgraphs
from benchmarks.gateways import GATEWAYS, gateway_spec
from benchmarks.procstat import group_usage
from benchmarks.results import write_results
from benchmarks.tools import ensure_node_modules
from benchmarks.workload import QUERY_PATH, expected_response
from servicekit.processes import ManagedProcess, free_port

__all__ = ["MixedRequest", "mixed_requests", "run_memory_benchmark", "window_summary"]

_USER = (
    "query User($id: ID!) { user(id: $id) { id username reviews { id body product { name } } } }"
)
_ME = "query Me { me { id name username } }"


@dataclass(frozen=True)
class MixedRequest:
    query: str
    variables: Mapping[str, Any] | None = None


def mixed_requests(count: int, deep_query: str, users: int = 6) -> list[MixedRequest]:
    """The deterministic mix: deep 1/50, unique text 1/10, the rest small repeated shapes."""
    requests = []
    for index in range(count):
        if index % 50 == 49:
            requests.append(MixedRequest(deep_query))
        elif index % 10 == 9:
            alias = f"p{index}"
            text = f"query Unique{index} {{ {alias}: topProducts(first: 2) {{ upc inStock }} }}"
            requests.append(MixedRequest(text))
        elif index % 3 == 0:
            requests.append(MixedRequest(_USER, {"id": str(index // 3 % users + 1)}))
        elif index % 3 == 1:
            first = index % 9 + 1
            text = f"{{ topProducts(first: {first}) {{ upc name price shippingEstimate }} }}"
            requests.append(MixedRequest(text))
        else:
            requests.append(MixedRequest(_ME))
    return requests


def window_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """Mean, median and p99 of one window of latencies."""
    ordered = sorted(latencies_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else 0.0
    return {
        "mean_ms": statistics.fmean(ordered) if ordered else 0.0,
        "p50_ms": statistics.median(ordered) if ordered else 0.0,
        "p99_ms": p99,
    }


async def _drive(
    url: str, requests: list[MixedRequest], concurrency: int, pgid: int
) -> tuple[list[float], list[int], int]:
    latencies = [0.0] * len(requests)
    rss_samples: list[int] = []
    wrong = 0
    done = 0
    next_index = 0
    expected_cache: dict[tuple[str, str], dict[str, Any]] = {}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_index, done, wrong
        while next_index < len(requests):
            index = next_index
            next_index += 1
            request = requests[index]
            payload: dict[str, Any] = {"query": request.query}
            if request.variables:
                payload["variables"] = dict(request.variables)
            started = time.perf_counter()
            try:
                response = await client.post(url, json=payload)
                answer = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                answer = None
            latencies[index] = (time.perf_counter() - started) * 1000
            key = (request.query, repr(sorted((request.variables or {}).items())))
            if key not in expected_cache:
                expected_cache[key] = expected_response(request.query, request.variables)
            wrong += answer != expected_cache[key]
            done += 1
            if done % 1000 == 0:
                rss_samples.append(group_usage(pgid).rss_bytes)

    async with httpx.AsyncClient(timeout=120.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies, rss_samples, wrong


def run_memory_benchmark(requests: int = 10_000, concurrency: int = 10) -> str:
    """Start subgraphs and the router, drive the mix, save and return the summary."""
    ensure_node_modules()
    mix = mixed_requests(requests, QUERY_PATH.read_text())
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp)
        with node_subgraphs(workdir, None) as subgraphs:
            supergraph = benchmark_supergraph(workdir, subgraphs)
            port = free_port()
            spec = gateway_spec(GATEWAYS["router"], supergraph, port, workdir, None)
            with ManagedProcess(spec, log_path=workdir / "router.log").start(
                ready_timeout_seconds=90
            ) as router:
                pgid = router.pid or 0
                rss_start = group_usage(pgid).rss_bytes
                started = time.monotonic()
                latencies, rss, wrong = asyncio.run(
                    _drive(f"http://127.0.0.1:{port}/graphql", mix, concurrency, pgid)
                )
                elapsed = time.monotonic() - started
    window = min(1000, len(latencies))
    first, last = window_summary(latencies[:window]), window_summary(latencies[-window:])
    mb = 2**20
    lines = [
        f"router memory over {requests:,} mixed requests ({concurrency} concurrent, {elapsed:.0f} s,"
        f" {wrong} wrong answers):",
        f"  RSS at start {rss_start / mb:.0f} MB; after the first 1,000 {rss[0] / mb:.0f} MB;"
        f" after the last 1,000 {rss[-1] / mb:.0f} MB (growth {(rss[-1] - rss[0]) / mb:+.1f} MB)",
        f"  first 1,000: mean {first['mean_ms']:.1f} ms, p50 {first['p50_ms']:.1f} ms, p99 {first['p99_ms']:.1f} ms",
        f"  last 1,000:  mean {last['mean_ms']:.1f} ms, p50 {last['p50_ms']:.1f} ms, p99 {last['p99_ms']:.1f} ms",
        "  RSS per 1,000 (MB): " + ", ".join(f"{sample / mb:.0f}" for sample in rss),
    ]
    summary = "\n".join(lines)
    path = write_results(
        "memory",
        {
            "requests": requests,
            "concurrency": concurrency,
            "seconds": elapsed,
            "wrong_answers": wrong,
            "rss_start_bytes": rss_start,
            "rss_per_1000_bytes": rss,
            "first_1000": first,
            "last_1000": last,
            "summary": summary,
        },
    )
    return f"{summary}\n\nresults: {path}"
