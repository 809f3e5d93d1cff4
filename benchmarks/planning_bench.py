"""``bench planning``: how long the router's planner takes, cold and warm.

- The benchmark query over the benchmark supergraph: *cold* is the first ``plan_operation`` in a
  fresh Python process (nothing cached, modules just imported), measured in child processes;
  *warm* repeats it in one process on the same loaded supergraph (the planner's own work, not
  the gateway's plan cache, which makes a repeat a dictionary lookup).
- A generated supergraph of 50 subgraphs and 2,000 types (``composition_bench``'s generator,
  composed by ``router.composition``): load time, then the first (cold) and repeated (warm)
  planning of operations generated over its API schema (``benchmarks.operations``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import DocumentNode, parse, validate

from benchmarks.results import write_results
from benchmarks.workload import QUERY_PATH, SUPERGRAPH_PATH

__all__ = ["cold_probe", "main", "run_planning_benchmark", "summarize_ms"]


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summarize_ms(samples: list[float]) -> dict[str, float]:
    """Median, best and worst of a list of milliseconds."""
    return {
        "median_ms": statistics.median(samples),
        "min_ms": min(samples),
        "max_ms": max(samples),
        "samples": len(samples),
    }


def _parsed(schema: Any, text: str) -> DocumentNode:
    document = parse(text)
    errors = validate(schema, document)
    if errors:
        raise ValueError(f"operation does not validate: {errors[0].message}\n{text[:300]}")
    return document


def cold_probe() -> dict[str, float]:
    """In a fresh process: load the benchmark supergraph and plan the query once."""
    from router.planning import plan_operation
    from router.supergraph import load_supergraph

    started = time.perf_counter()
    supergraph = load_supergraph(SUPERGRAPH_PATH.read_text())
    load_ms = (time.perf_counter() - started) * 1000
    document = _parsed(supergraph.api_schema, QUERY_PATH.read_text())
    plan_ms = _timed(lambda: plan_operation(supergraph, document, None))
    return {"load_ms": load_ms, "plan_ms": plan_ms}


def _benchmark_query(repeat: int, cold_runs: int) -> dict[str, Any]:
    from router.planning import plan_operation
    from router.supergraph import load_supergraph

    colds = []
    for _ in range(cold_runs):
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.planning_bench", "--cold-probe"],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        colds.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    supergraph = load_supergraph(SUPERGRAPH_PATH.read_text())
    document = _parsed(supergraph.api_schema, QUERY_PATH.read_text())
    plan_operation(supergraph, document, None)
    warm = [_timed(lambda: plan_operation(supergraph, document, None)) for _ in range(repeat)]
    return {
        "cold": summarize_ms([c["plan_ms"] for c in colds]),
        "cold_supergraph_load": summarize_ms([c["load_ms"] for c in colds]),
        "warm": summarize_ms(warm),
    }


def _generated(repeat: int, operations: int) -> dict[str, Any]:
    from benchmarks.composition_bench import generate_subgraphs
    from benchmarks.operations import operations_for_schema
    from router.composition import compose
    from router.planning import plan_operation
    from router.supergraph import load_supergraph

    subgraphs = generate_subgraphs(50, 40)
    started = time.perf_counter()
    composed = compose(subgraphs)
    compose_ms = (time.perf_counter() - started) * 1000
    if not composed.ok or composed.supergraph_sdl is None:
        raise RuntimeError(f"the generated subgraphs do not compose: {composed.errors[:3]}")
    sdl = composed.supergraph_sdl
    started = time.perf_counter()
    supergraph = load_supergraph(sdl)
    load_ms = (time.perf_counter() - started) * 1000
    texts = operations_for_schema(supergraph.api_schema, operations)
    documents = [_parsed(supergraph.api_schema, text) for text in texts]
    cold = [_timed(partial(plan_operation, supergraph, d, None)) for d in documents]
    warm = [
        _timed(partial(plan_operation, supergraph, d, None))
        for _ in range(max(1, repeat // 4))
        for d in documents
    ]
    return {
        "subgraphs": len(subgraphs),
        "types": 50 * 40,
        "supergraph_bytes": len(sdl),
        "compose_ms": compose_ms,
        "load_ms": load_ms,
        "operations": len(documents),
        "cold": summarize_ms(cold),
        "warm": summarize_ms(warm),
        "example_operation": texts[0],
    }


def _table(query: dict[str, Any], generated: dict[str, Any]) -> str:
    def row(label: str, stats: dict[str, float]) -> str:
        return (
            f"| {label} | {stats['median_ms']:.2f} ms | {stats['min_ms']:.2f} ms "
            f"| {stats['max_ms']:.2f} ms | {stats['samples']:.0f} |"
        )

    return "\n".join(
        [
            "| planning | median | best | worst | samples |",
            "|---|---:|---:|---:|---:|",
            row("benchmark query, cold (fresh process)", query["cold"]),
            row("benchmark query, warm", query["warm"]),
            row(
                f"generated graph ({generated['types']:,} types), cold, per operation",
                generated["cold"],
            ),
            row("generated graph, warm, per operation", generated["warm"]),
            "",
            f"Generated supergraph: {generated['subgraphs']} subgraphs, {generated['types']:,} types,"
            f" {generated['supergraph_bytes']:,} bytes; composed in {generated['compose_ms'] / 1000:.1f} s,"
            f" loaded in {generated['load_ms'] / 1000:.1f} s.",
        ]
    )


def run_planning_benchmark(repeat: int = 20, cold_runs: int = 3, operations: int = 20) -> str:
    """Measure, save the JSON results, return the table."""
    query = _benchmark_query(repeat, cold_runs)
    generated = _generated(repeat, operations)
    table = _table(query, generated)
    path = write_results(
        "planning", {"benchmark_query": query, "generated": generated, "table": table}
    )
    return f"{table}\n\nresults: {path}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--cold-probe"]:
        print(json.dumps(cold_probe()))
        return 0
    print(run_planning_benchmark())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
