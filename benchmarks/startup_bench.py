"""``bench startup`` (issue #20): how long the router takes to be ready, and at what CPU cost.

    python -m benchmarks.startup_bench [--repeat 3] [--workers 1]

Two supergraphs: the demo one (``schema/supergraph.graphql``, six subgraphs) and a generated
one of 50 subgraphs and 2,000 types (``composition_bench.generate_subgraphs``, composed by
``router.composition`` before timing). Each start is ``router --supergraph FILE --prod`` on a free
port (no Redis; subgraphs are not running, they are not needed to become ready); timed from the
spawn to ``/ready`` answering 200 (every worker up, the supergraph loaded), with the CPU the
router's process group used by then (steadier than wall time on a shared machine). Medians over
``--repeat`` starts; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import yaml

from benchmarks.procstat import group_usage
from benchmarks.results import write_results
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = ["generated_supergraph", "main", "time_start"]

DEMO = PROJECT_ROOT / "schema" / "supergraph.graphql"


def generated_supergraph(path: Path, subgraphs: int = 50, types_per_subgraph: int = 40) -> Path:
    """The composition benchmark's generated subgraphs, composed into ``path``."""
    from benchmarks.composition_bench import generate_subgraphs
    from router.composition import compose

    composed = compose(generate_subgraphs(subgraphs, types_per_subgraph))
    if not composed.ok or composed.supergraph_sdl is None:
        raise RuntimeError(f"the generated subgraphs do not compose: {composed.errors[:3]}")
    path.write_text(composed.supergraph_sdl)
    return path


def time_start(supergraph: Path, workdir: Path, workers: int) -> tuple[float, float, int]:
    """Seconds to ``/ready`` 200, the group's CPU seconds by then, its RSS (bytes)."""
    port = free_port()
    config = workdir / "router.yaml"
    config.write_text(yaml.safe_dump({"mode": "production", "http": {"redis_url": None}}))
    router = str(Path(sys.executable).parent / "router")
    argv = [router, "--supergraph", str(supergraph), "--config", str(config), "--prod"]
    argv += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    url = f"http://127.0.0.1:{port}/ready"
    process = ManagedProcess(ProcessSpec("router", argv, url), log_path=workdir / "router.log")
    started = time.monotonic()
    process.spawn()
    try:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"router exited: {process.log_tail()}")
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > 300:
                raise RuntimeError("router not ready after 300 s")
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        usage = group_usage(process.pid or 0)
        return elapsed, usage.cpu_seconds, usage.rss_bytes
    finally:
        process.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench startup", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        workdir = Path(tmp)
        started = time.monotonic()
        generated = generated_supergraph(workdir / "generated.graphql")
        compose_seconds = time.monotonic() - started
        for label, path in (("demo", DEMO), ("generated 2,000 types", generated)):
            runs = [time_start(path, workdir, args.workers) for _ in range(args.repeat)]
            results[label] = {
                "ready_seconds": statistics.median(r[0] for r in runs),
                "cpu_seconds": statistics.median(r[1] for r in runs),
                "rss_mb": statistics.median(r[2] for r in runs) / 2**20,
                "bytes": path.stat().st_size,
            }
    load_after = os.getloadavg()
    lines = [f"router start-up, {args.workers} worker(s), median of {args.repeat}:"]
    for label, row in results.items():
        lines.append(
            f"  {label} ({row['bytes']:,} bytes): ready in {row['ready_seconds']:.2f} s,"
            f" {row['cpu_seconds']:.2f} s CPU, RSS {row['rss_mb']:.0f} MB"
        )
    lines.append(f"  (generated supergraph composed in {compose_seconds:.1f} s, not counted)")
    lines.append(
        "  load average before "
        + " ".join(f"{v:.1f}" for v in load_before)
        + ", after "
        + " ".join(f"{v:.1f}" for v in load_after)
    )
    summary = "\n".join(lines)
    path = write_results(
        "startup", {"workers": args.workers, "results": results, "summary": summary}
    )
    print(f"{summary}\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
