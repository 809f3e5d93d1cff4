"""``bench workers`` (issue #20): the router with 1 worker against 2 workers (``--workers``).

    python -m benchmarks.workers_bench [--rounds 2] [--duration 15] [--warmup 5] [--mode nodedup]

The gateway benchmark's workload (the 87,549-byte answer checked on every response, 50
keep-alive connections). ``--mode nodedup`` (the default): every deduplication off, so each
request costs its full CPU, and the Node subgraphs need about 60% of a core at one worker's rate;
``--mode default``: the router's default configuration (identical in-flight subgraph fetches
shared), where the subgraphs need a few percent, so the two cores are left to the workers and
wrk. One worker
runs under ``taskset -c 0`` with wrk on core 1 (the load generator on its own core); two workers
run on cores 0 and 1, where wrk necessarily shares them (a 2-core machine has no third core).
The Node subgraphs are not pinned in either case. Rounds alternate the order. Reported per
variant: requests/s, p99, CPU per request (the router's process group, supervisor included), and
per round the 2-worker ÷ 1-worker throughput ratio; the load average before and after, since
other processes on the machine take cores the workers would use.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import Any

from benchmarks.gateway_bench import (
    benchmark_supergraph,
    node_subgraphs,
    prepare_workload,
    print_progress,
)
from benchmarks.report import aggregate, format_table, scale_per_round
from benchmarks.results import write_results
from benchmarks.runner import (
    LoadOptions,
    Measurement,
    SubgraphSet,
    measure_rounds,
)

__all__ = ["PINNED", "main", "measure_pinned_rounds", "run_workers_benchmark", "scale_line"]

PINNED = {1: ("0", "1"), 2: ("0,1", None)}
"""Worker count → (the server's cores, wrk's cores): one worker on core 0 with wrk on core 1; two
workers on both, shared with wrk (a 2-core machine has no third core)."""
MODES = {"nodedup": "router", "default": "router-default"}


def measure_pinned_rounds(
    gateways: Mapping[int, str],
    rounds: int,
    *,
    supergraph: Path,
    body: bytes,
    expected: Mapping[str, Any],
    workdir: Path,
    subgraphs: SubgraphSet,
    options: LoadOptions,
) -> list[Measurement]:
    """Each gateway (by its worker count) once per round on the cores of :data:`PINNED`, the
    order alternating between rounds (``bench workers``, ``bench bff-workers``)."""
    return measure_rounds(
        list(gateways.values()),
        rounds,
        supergraph=supergraph,
        body=body,
        expected=expected,
        workdir=workdir,
        subgraphs=subgraphs,
        options=options,
        cpus={name: PINNED[workers] for workers, name in gateways.items()},
        report=print_progress,
    )


def scale_line(ratios: Sequence[float]) -> str:
    """The report's line of 2-worker ÷ 1-worker ratios per round and their median."""
    return (
        "2 workers ÷ 1 worker, requests/s per round: "
        + (", ".join(f"{value:.2f}" for value in ratios) or "not measured")
        + (f" (median {median(ratios):.2f}x)" if ratios else "")
    )


def _load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def run_workers_benchmark(rounds: int, options: LoadOptions, mode: str = "nodedup") -> str:
    """Alternating rounds of both variants; the printable report."""
    one, two = f"{MODES[mode]}-1w", f"{MODES[mode]}-2w"
    body, expected = prepare_workload()
    load_before = _load_average()
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        workdir = Path(tmp)
        with node_subgraphs(workdir, None) as subgraphs:
            measurements = measure_pinned_rounds(
                {1: one, 2: two},
                rounds,
                supergraph=benchmark_supergraph(workdir, subgraphs),
                body=body,
                expected=expected,
                workdir=workdir,
                subgraphs=subgraphs,
                options=options,
            )
    load_after = _load_average()
    scale = scale_per_round(measurements, one, two)
    lines = [
        format_table(aggregate(measurements), []),
        "",
        scale_line(scale),
        f"load average (1, 5, 15 min): before {load_before}, after {load_after}",
    ]
    report = "\n".join(lines)
    path = write_results(
        "workers",
        {
            "settings": {"rounds": rounds, "mode": mode, **options.__dict__},
            "measurements": [m.to_json() for m in measurements],
            "scale_per_round": scale,
            "load_average": {"before": load_before, "after": load_after},
            "table": report,
        },
    )
    return f"{report}\n\nresults: {path}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench workers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--mode", choices=sorted(MODES), default="nodedup")
    args = parser.parse_args(argv)
    options = LoadOptions(
        connections=args.connections,
        duration_seconds=args.duration,
        warmup_seconds=args.warmup,
    )
    print(run_workers_benchmark(args.rounds, options, args.mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
