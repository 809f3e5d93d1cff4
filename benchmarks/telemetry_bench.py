"""``bench telemetry``: what observability costs the router (issue #13), measured in one run.

The router serves the gateway benchmark's workload (The Guild's four subgraphs, the 87 KB query)
three ways, alternating the order each round:

- ``router-telemetry-off``: ``TELEMETRY_METRICS=false``, no OTLP endpoint (the API's no-op tracer);
- ``router-metrics``: metrics on (``/metrics`` and every counter/histogram update), no traces;
- ``router-traced``: metrics on and every request traced (always-on sampling), spans exported
  over OTLP/HTTP in batches to a ``trace-sink`` process on the load core.

The access log is off in all three (the benchmark router logs at ``warning``). Ratios are each
variant's requests/s and CPU per request against ``router-telemetry-off`` in the same round.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.gateway_bench import node_subgraphs, print_progress, summarize
from benchmarks.gateways import GATEWAYS, GatewayDef
from benchmarks.results import RESULTS_DIR
from benchmarks.runner import LoadOptions, Measurement, run_rounds
from benchmarks.tools import ensure_node_modules, ensure_wrk
from benchmarks.workload import QUERY_PATH, SUPERGRAPH_PATH, expected_response, request_body
from servicekit.processes import ManagedProcess, ProcessSpec, free_port

__all__ = ["VARIANTS", "run_telemetry_benchmark", "telemetry_ratios"]

VARIANTS = ("router-telemetry-off", "router-metrics", "router-traced")
_BASE = "router-telemetry-off"


def _register(sink_url: str) -> None:
    """The three router variants, as gateways the shared runner can start."""
    router = GATEWAYS["router"]
    quiet = (("TELEMETRY_ACCESS_LOG", "false"),)
    variants = {
        "router-telemetry-off": (("TELEMETRY_METRICS", "false"), *quiet),
        "router-metrics": (("TELEMETRY_METRICS", "true"), *quiet),
        "router-traced": (
            ("TELEMETRY_METRICS", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", sink_url),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            *quiet,
        ),
    }
    for name, env in variants.items():
        GATEWAYS[name] = GatewayDef(name, name, router.argv, router.ready_path, env=env)


def telemetry_ratios(measurements: Sequence[Measurement]) -> dict[str, dict[str, float]]:
    """Per variant, medians over rounds of (variant ÷ telemetry-off) requests/s and CPU/request."""
    by_round: dict[int, dict[str, Measurement]] = {}
    for measurement in measurements:
        by_round.setdefault(measurement.round, {})[measurement.gateway] = measurement
    found: dict[str, dict[str, float]] = {}
    for name in VARIANTS[1:]:
        throughput, cpu = [], []
        for runs in by_round.values():
            base, mine = runs.get(_BASE), runs.get(name)
            if base is None or mine is None or base.wrk is None or mine.wrk is None:
                continue
            throughput.append(mine.wrk.requests_per_second / base.wrk.requests_per_second)
            cpu.append(mine.cpu_ms_per_request / base.cpu_ms_per_request)
        if throughput:
            found[name] = {
                "requests_per_second_ratio": statistics.median(throughput),
                "cpu_per_request_ratio": statistics.median(cpu),
                "rounds": len(throughput),
            }
    return found


def _format(found: dict[str, dict[str, float]]) -> str:
    lines = [
        "| variant ÷ telemetry off | requests/s | cost | CPU per request |",
        "|---|---:|---:|---:|",
    ]
    for name, ratio in found.items():
        rps = ratio["requests_per_second_ratio"]
        lines.append(
            f"| {name} | {rps:.3f}x | {100 * (1 - rps):.1f}% | {ratio['cpu_per_request_ratio']:.3f}x |"
        )
    return "\n".join(lines)


def run_telemetry_benchmark(
    rounds: int, options: LoadOptions, results_dir: Path = RESULTS_DIR
) -> str:
    ensure_wrk()
    ensure_node_modules()
    query = QUERY_PATH.read_text()
    expected = expected_response(query)
    body = request_body(query)
    print(
        f"bench telemetry: {', '.join(VARIANTS)}; {rounds} round(s) of "
        f"{options.duration_seconds:.0f} s at {options.connections} connections",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        sink_program = str(Path(sys.executable).parent / "trace-sink")
        argv = [sink_program, "--port", str(port), "--max-spans", "50000"]
        if options.load_cpus:
            argv = ["taskset", "-c", options.load_cpus, *argv]
        sink = ManagedProcess(
            ProcessSpec("trace-sink", argv, f"http://127.0.0.1:{port}/api/traces"),
            log_path=workdir / "trace-sink.log",
        )
        sink.start(ready_timeout_seconds=60)
        try:
            _register(f"http://127.0.0.1:{port}")
            with node_subgraphs(workdir, options.load_cpus) as subgraphs:
                measurements = run_rounds(
                    VARIANTS,
                    rounds,
                    supergraph_template=SUPERGRAPH_PATH.read_text(),
                    body=body,
                    expected=expected,
                    workdir=workdir,
                    subgraphs=subgraphs,
                    options=options,
                    report=print_progress,
                )
        finally:
            sink.stop()
    found = telemetry_ratios(measurements)
    settings = {"variants": list(VARIANTS), "rounds": rounds, "ratios": found, **options.__dict__}
    table = summarize("telemetry", measurements, settings, results_dir)
    return f"{table}\n\n{_format(found)}\n{json.dumps(found)}"
