"""``bench gateways``: our router against Apollo Gateway and Hive Gateway on The Guild's workload.

The four benchmark subgraphs (``node/subgraphs.cjs``) run on the load core beside wrk; each
gateway runs alone on the gateway core. Their CPU share is reported so a reader can see the
subgraphs were not the bottleneck.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.gateways import GATEWAYS, rewrite_subgraph_urls
from benchmarks.mode_table import format_mode_table
from benchmarks.report import aggregate, format_table, ratios
from benchmarks.results import RESULTS_DIR, write_results
from benchmarks.runner import LoadOptions, Measurement, SubgraphSet, run_rounds
from benchmarks.tools import NODE_DIR, ensure_node_modules, ensure_wrk
from benchmarks.workload import (
    QUERY_PATH,
    SUBGRAPH_NAMES,
    SUPERGRAPH_PATH,
    expected_response,
    request_body,
)
from servicekit.processes import ManagedProcess, ProcessSpec, free_port

__all__ = [
    "benchmark_supergraph",
    "node_subgraphs",
    "prepare_workload",
    "print_progress",
    "run_gateway_benchmark",
    "summarize",
]


def prepare_workload() -> tuple[bytes, dict[str, Any]]:
    """Install wrk and the Node modules when missing; the benchmark query's request body and
    the oracle's expected response."""
    ensure_wrk()
    ensure_node_modules()
    query = QUERY_PATH.read_text()
    return request_body(query), expected_response(query)


@contextmanager
def node_subgraphs(workdir: Path, cpus: str | None) -> Iterator[SubgraphSet]:
    """The benchmark subgraphs in one Node process on ``cpus``; always stopped."""
    port = free_port()
    argv = ["node", str(NODE_DIR / "subgraphs.cjs"), str(port)]
    spec = ProcessSpec(
        name="bench-subgraphs",
        argv=["taskset", "-c", cpus, *argv] if cpus else argv,
        ready_url=f"http://127.0.0.1:{port}/health",
        env={"NODE_ENV": "production"},
        cwd=NODE_DIR,
    )
    with ManagedProcess(spec, log_path=workdir / "subgraphs.log") as process:
        urls = {name: f"http://127.0.0.1:{port}/{name}" for name in SUBGRAPH_NAMES}
        yield SubgraphSet(urls, [process.pid or 0])


def benchmark_supergraph(workdir: Path, subgraphs: SubgraphSet) -> Path:
    """The benchmark supergraph with its routing URLs pointed at ``subgraphs``, written into
    ``workdir``."""
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(
        rewrite_subgraph_urls(SUPERGRAPH_PATH.read_text(), lambda name: subgraphs.urls[name])
    )
    return supergraph


def print_progress(measurement: Measurement) -> None:
    """One line per measured gateway, so a long run shows where it is."""
    wrk = measurement.wrk
    figures = (
        f"{wrk.requests_per_second:8.1f} rps  p50 {wrk.p50_ms:8.1f} ms  p99 {wrk.p99_ms:8.1f} ms"
        if wrk
        else "not measured"
    )
    print(
        f"  round {measurement.round} #{measurement.position} {measurement.gateway:14} {figures}"
        f"  errors {measurement.errors}  RSS {measurement.rss_peak_bytes / 2**20:.0f} MB"
        f"  cpu gw {measurement.gateway_cpu_percent:.0f}% subgraphs {measurement.subgraph_cpu_percent:.0f}%"
        + (f"  ({measurement.problem})" if measurement.problem else ""),
        flush=True,
    )
    for line in measurement.extra.get("gateway_log_tail", ()):
        print(f"    | {line[:400]}", flush=True)


def summarize(
    kind: str,
    measurements: Sequence[Measurement],
    settings: dict[str, Any],
    results_dir: Path = RESULTS_DIR,
) -> str:
    """Aggregate, write the JSON results and return the printable table."""
    rows = aggregate(measurements)
    found = ratios(measurements)
    table = format_table(rows, found)
    modes = format_mode_table(rows)
    if modes:
        table = f"{modes}\n\n{table}"
    path = write_results(
        kind,
        {
            "settings": settings,
            "rows": [row.__dict__ for row in rows],
            "ratios": [
                {**r.__dict__, "median": r.median, "cpu_median": r.cpu_median} for r in found
            ],
            "measurements": [m.to_json() for m in measurements],
            "table": table,
        },
        results_dir,
    )
    return f"{table}\n\nresults: {path}"


def run_gateway_benchmark(
    gateways: Sequence[str],
    rounds: int,
    options: LoadOptions,
    results_dir: Path = RESULTS_DIR,
) -> str:
    """Install what is missing, run the rounds, print and save the table."""
    unknown = [g for g in gateways if g not in GATEWAYS]
    if unknown:
        raise ValueError(f"unknown gateways {unknown}; known: {sorted(GATEWAYS)}")
    body, expected = prepare_workload()
    print(
        f"bench gateways: {', '.join(gateways)}; {rounds} round(s) of {options.duration_seconds:.0f} s"
        f" at {options.connections} connections; response {len(json.dumps(expected, separators=(',', ':'))):,} bytes",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        with node_subgraphs(workdir, options.load_cpus) as subgraphs:
            measurements = run_rounds(
                gateways,
                rounds,
                supergraph_template=SUPERGRAPH_PATH.read_text(),
                body=body,
                expected=expected,
                workdir=workdir,
                subgraphs=subgraphs,
                options=options,
                report=print_progress,
            )
    settings = {"gateways": list(gateways), "rounds": rounds, **options.__dict__}
    return summarize("gateways", measurements, settings, results_dir)
