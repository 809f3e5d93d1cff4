"""``bench telemetry``: what observability costs the router (issue #13), measured in one run.

Four routers serve the gateway benchmark's workload (The Guild's four subgraphs, the 87 KB query,
inbound dedup off), all started once and pinned to the gateway core:

- ``off``: ``TELEMETRY_METRICS=false``, no OTLP endpoint (no SDK installed: the hooks' null path);
- ``metrics``: metrics on (``/metrics`` and every counter/histogram update), no traces;
- ``traced``: metrics on, every request traced (``parentbased_always_on``), spans exported over
  OTLP/HTTP by the SDK's batch processor (default ``OTEL_BSP_*``) to a ``trace-sink``;
- ``sampled``: the same with ``parentbased_traceidratio`` at ``--sample-ratio`` (default 10%), to
  its own ``trace-sink``.

Method. Load comes in windows (wrk, ``--duration`` seconds, every response's bytes checked), one
per router per cycle, the order alternating between cycles; every ratio is a router's figure
over the ``off`` router's in the same cycle, and the table gives the median over cycles. CPU per
request is the router's process CPU (user + system, all threads: the batch exporter's encoding
and HTTP posts run in the router) from the start of its window to the start of its next one (so
the spans a window leaves queued, exported up to ``OTEL_BSP_SCHEDULE_DELAY`` later, count; the
last interval ends after that delay), less the router's idle CPU rate measured before any load,
over the requests of the window plus the ones wrk left in flight (one per connection: the router
completes them after the window, and the next window waits until it has). It is steadier than
requests/s on this shared machine, where a router gets whatever share of its core other
processes leave it. The sinks run on the load core and their CPU is reported apart, per request
of the router exporting to them, less their idle rate: it is what a trace backend would spend,
not the router's cost. The access log is off in all four (the benchmark router logs at
``warning``).

"Off costs no more than a no-op tracer": the router's hooks for one request's spans (names and
counts read from a trace in the ``traced`` router's sink) are timed in this process with tracing
and metrics off, beside the same spans through the API's ``NoOpTracer``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from opentelemetry import trace

from benchmarks.gateway_bench import benchmark_supergraph, node_subgraphs, prepare_workload
from benchmarks.gateways import GATEWAYS, GatewayDef, gateway_spec
from benchmarks.procstat import group_usage
from benchmarks.results import RESULTS_DIR, write_results
from benchmarks.runner import LoadOptions, describe_wrong_body, round_order, wait_until_idle
from benchmarks.telemetry_hooks import Answered
from benchmarks.verify import verify_gateway
from benchmarks.wrkrun import run_wrk, wrk_argv
from router import telemetry
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.telemetry import metrics, tracing

__all__ = [
    "Variant",
    "Window",
    "off_path_cost",
    "run_telemetry_benchmark",
    "telemetry_ratios",
    "variants",
]

BASE = "off"
_SETTLE_SECONDS = 6.0
"""After the last window: the SDK's default ``OTEL_BSP_SCHEDULE_DELAY`` (5 s) and a margin, so
the spans still queued are exported (and counted) before the final CPU reading."""
_IDLE_SECONDS = 3.0


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    env: tuple[tuple[str, str], ...]
    exports: bool = False


def variants(sample_ratio: float) -> list[Variant]:
    quiet = (("TELEMETRY_ACCESS_LOG", "false"),)
    metrics_on = (("TELEMETRY_METRICS", "true"), *quiet)
    return [
        Variant(BASE, "telemetry off", (("TELEMETRY_METRICS", "false"), *quiet)),
        Variant("metrics", "metrics on", metrics_on),
        Variant(
            "traced",
            "metrics + every request traced, exported",
            (*metrics_on, ("OTEL_TRACES_SAMPLER", "parentbased_always_on")),
            exports=True,
        ),
        Variant(
            "sampled",
            f"metrics + traces sampled at {sample_ratio:.0%} (parent-based), exported",
            (
                *metrics_on,
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", str(sample_ratio)),
            ),
            exports=True,
        ),
    ]


@dataclass
class Window:
    """One router's load window in one cycle."""

    variant: str
    cycle: int
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    in_flight: int = 0
    """Requests wrk left in flight at the end (one per connection): the router completes them
    after the window, on the window's CPU account, so they count as served."""
    cpu_seconds: float = 0.0
    sink_cpu_seconds: float = 0.0

    @property
    def served(self) -> int:
        return self.requests + self.in_flight if self.requests else 0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.served if self.served else 0.0

    @property
    def sink_ms_per_request(self) -> float:
        return 1000 * self.sink_cpu_seconds / self.served if self.served else 0.0


@dataclass
class _Running:
    variant: Variant
    router: ManagedProcess
    url: str
    sink: ManagedProcess | None
    sink_url: str | None
    idle_cpu_per_second: float = 0.0
    sink_idle_cpu_per_second: float = 0.0
    expected_file: Path | None = None
    marks: list[tuple[float, float, float]] | None = None
    """(wall time, router CPU, sink CPU) at the start of each window, then after settling."""

    def cpu(self) -> tuple[float, float, float]:
        sink = group_usage(self.sink.pid or 0).cpu_seconds if self.sink else 0.0
        return time.monotonic(), group_usage(self.router.pid or 0).cpu_seconds, sink


def telemetry_ratios(windows: Sequence[Window]) -> dict[str, dict[str, float]]:
    """Per variant: medians (and ranges) over cycles of (variant ÷ off) requests/s and CPU per
    request, its median absolute figures, and the trace sink's CPU per request."""
    by_cycle: dict[int, dict[str, Window]] = {}
    for window in windows:
        by_cycle.setdefault(window.cycle, {})[window.variant] = window
    names = list(dict.fromkeys(w.variant for w in windows))
    found: dict[str, dict[str, float]] = {}
    for name in names:
        throughput, cpu = [], []
        for runs in by_cycle.values():
            base, mine = runs.get(BASE), runs.get(name)
            if base is None or mine is None or not base.requests or not mine.requests:
                continue
            throughput.append(mine.requests_per_second / base.requests_per_second)
            cpu.append(mine.cpu_ms_per_request / base.cpu_ms_per_request)
        mine_all = [w for w in windows if w.variant == name and w.requests]
        if not throughput or not mine_all:
            continue
        found[name] = {
            "requests_per_second_ratio": statistics.median(throughput),
            "requests_per_second_ratio_min": min(throughput),
            "requests_per_second_ratio_max": max(throughput),
            "cpu_per_request_ratio": statistics.median(cpu),
            "cpu_per_request_ratio_min": min(cpu),
            "cpu_per_request_ratio_max": max(cpu),
            "requests_per_second": statistics.median(w.requests_per_second for w in mine_all),
            "cpu_ms_per_request": statistics.median(w.cpu_ms_per_request for w in mine_all),
            "sink_cpu_ms_per_request": statistics.median(w.sink_ms_per_request for w in mine_all),
            "errors": sum(w.errors for w in mine_all),
            "cycles": len(throughput),
        }
    return found


def off_path_cost(span_names: Mapping[str, int], repeat: int = 3000) -> dict[str, float]:
    """Microseconds per request of the router's telemetry hooks with tracing and metrics off,
    for one request's spans (``span_names``: name → count), beside the same spans opened on
    the API's no-op tracer. Run in this process, where neither is configured."""
    if tracing.enabled() or metrics.enabled():
        raise RuntimeError("off_path_cost needs tracing and metrics off in this process")
    fetches = span_names.get("subgraph.fetch", 0)
    others = [(name, count) for name, count in span_names.items() if name != "subgraph.fetch"]
    headers = {"content-type": "application/json"}
    attributes = {"graphql.operation.name": "Bench"}
    answer = Answered()

    def hooks() -> None:
        for name, count in others:
            for _ in range(count):
                with tracing.span(name, attributes):
                    pass
        telemetry.cache_lookup("document", True)
        telemetry.cache_lookup("plan", True)
        for _ in range(fetches):
            with telemetry.subgraph_fetch("products") as done:
                telemetry.outbound_headers(headers)
                telemetry.timed_request("products", answer)  # off: the request itself
                done(None)

    noop = trace.NoOpTracer()
    total = sum(span_names.values())

    def noop_spans() -> None:
        for _ in range(total):
            with noop.start_as_current_span("span", attributes=attributes):
                pass

    def per_request(function: Any) -> float:
        function()  # warm
        best = float("inf")
        for _ in range(5):  # the least disturbed of five runs on a shared machine
            started = time.process_time()
            for _ in range(repeat // 5):
                function()
            best = min(best, (time.process_time() - started) / (repeat // 5))
        return best * 1e6

    return {
        "spans_per_request": float(total),
        "hooks_off_us_per_request": per_request(hooks),
        "noop_tracer_us_per_request": per_request(noop_spans),
    }


def _one_trace(sink_url: str) -> Counter[str]:
    """Span names and counts of the last complete router trace the sink holds."""
    traces = httpx.get(f"{sink_url}/api/traces", timeout=60).json()
    for found in reversed(traces):
        names = Counter(span["name"] for span in found["spans"])
        # one server span (it carries the operation: no router.request), planned and shaped
        if names.get("POST /graphql") == 1 and names.get("router.shape") == 1:
            return names
    raise RuntimeError(f"no complete router trace in {sink_url}")


def _start(variant: Variant, workdir: Path, supergraph: Path, options: LoadOptions) -> _Running:
    sink = sink_url = None
    env = variant.env
    if variant.exports:
        port = free_port()
        sink_url = f"http://127.0.0.1:{port}"
        argv = [str(Path(sys.executable).parent / "trace-sink"), "--port", str(port)]
        if options.load_cpus:
            argv = ["taskset", "-c", options.load_cpus, *argv]
        sink = ManagedProcess(
            ProcessSpec(f"trace-sink-{variant.name}", argv, f"{sink_url}/api/traces"),
            log_path=workdir / f"trace-sink-{variant.name}.log",
        )
        sink.start(ready_timeout_seconds=options.startup_timeout_seconds)
        env = (*env, ("OTEL_EXPORTER_OTLP_ENDPOINT", sink_url))
        env = (*env, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
    router = GATEWAYS["router"]
    gateway = GatewayDef(variant.name, variant.label, router.argv, router.ready_path, env=env)
    port = free_port()
    process = ManagedProcess(
        gateway_spec(gateway, supergraph, port, workdir, options.gateway_cpus),
        log_path=workdir / f"router-{variant.name}.log",
    )
    process.start(ready_timeout_seconds=options.startup_timeout_seconds)
    return _Running(variant, process, f"http://127.0.0.1:{port}/graphql", sink, sink_url)


def _window(
    running: _Running,
    cycle: int,
    body_file: Path,
    expected: Mapping[str, Any],
    options: LoadOptions,
) -> Window:
    seconds = options.duration_seconds
    assert running.marks is not None and running.expected_file is not None
    running.marks.append(running.cpu())
    wrong_file = body_file.parent / f"wrong-{running.variant.name}-{cycle}.json"
    result = run_wrk(
        wrk_argv(
            running.url,
            connections=options.connections,
            duration_seconds=seconds,
            cpus=options.load_cpus,
        ),
        body_file=body_file,
        expected_file=running.expected_file,
        deadline_seconds=seconds + 120,
        wrong_file=wrong_file,
    )
    if result.wrong_bodies and wrong_file.exists():
        raise RuntimeError(
            f"{running.variant.name}: {result.wrong_bodies} wrong bodies, first: "
            f"{describe_wrong_body(wrong_file.read_bytes(), expected)}"
        )
    return Window(
        running.variant.name,
        cycle,
        result.requests,
        result.duration_seconds or seconds,
        result.errors,
        result.p50_ms,
        result.p99_ms,
        in_flight=options.connections,
    )


def _account(windows: list[Window], running: Sequence[_Running]) -> None:
    """Each window's router CPU (and sink CPU): from its start mark to the next, less idle (the
    router's outside its window, the sink's over the whole interval)."""
    for item in running:
        assert item.marks is not None
        mine = [w for w in windows if w.variant == item.variant.name]
        for window, start, end in zip(mine, item.marks, item.marks[1:], strict=False):
            interval = end[0] - start[0]
            idle = item.idle_cpu_per_second * max(0.0, interval - window.seconds)
            window.cpu_seconds = end[1] - start[1] - idle
            window.sink_cpu_seconds = end[2] - start[2] - item.sink_idle_cpu_per_second * interval


def _format(found: Mapping[str, Mapping[str, float]], chosen: Sequence[Variant]) -> str:
    labels = {v.name: v.label for v in chosen}
    exporting = {v.name for v in chosen if v.exports}
    lines = [
        "| variant | requests/s | ÷ off | router CPU ms/request | ÷ off (min to max) | cost "
        "| trace sink CPU ms/request (apart) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, ratio in found.items():
        cpu = ratio["cpu_per_request_ratio"]
        sink = f"{ratio['sink_cpu_ms_per_request']:.3f}" if name in exporting else "n/a"
        lines.append(
            f"| {labels[name]} | {ratio['requests_per_second']:.1f} "
            f"| {ratio['requests_per_second_ratio']:.3f}x "
            f"| {ratio['cpu_ms_per_request']:.2f} "
            f"| {cpu:.3f}x ({ratio['cpu_per_request_ratio_min']:.2f} to "
            f"{ratio['cpu_per_request_ratio_max']:.2f}) "
            f"| {100 * (cpu - 1):+.1f}% | {sink} |"
        )
    return "\n".join(lines)


def run_telemetry_benchmark(
    rounds: int,
    options: LoadOptions,
    results_dir: Path = RESULTS_DIR,
    *,
    sample_ratio: float = 0.1,
    instructions: bool = False,
) -> str:
    """``rounds`` cycles of one ``options.duration_seconds`` window per router; with
    ``instructions``, then each variant's instructions per request under callgrind
    (:mod:`benchmarks.telemetry_instructions`)."""
    body, expected = prepare_workload()
    chosen = variants(sample_ratio)
    print(
        f"bench telemetry: {', '.join(v.name for v in chosen)}; {rounds} cycle(s) of "
        f"{options.duration_seconds:.0f} s windows at {options.connections} connections",
        flush=True,
    )
    windows: list[Window] = []
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        body_file = workdir / "body.json"
        body_file.write_bytes(body)
        subgraphs = stack.enter_context(node_subgraphs(workdir, options.load_cpus))
        supergraph = benchmark_supergraph(workdir, subgraphs)
        running: list[_Running] = []
        for variant in chosen:
            item = _start(variant, workdir, supergraph, options)
            stack.callback(item.router.stop)
            if item.sink is not None:
                stack.callback(item.sink.stop)
            running.append(item)
        before = [item.cpu() for item in running]
        time.sleep(_IDLE_SECONDS)  # a measurement interval: every router idle
        for item, (started, cpu, sink_cpu) in zip(running, before, strict=True):
            now, cpu_now, sink_now = item.cpu()
            item.idle_cpu_per_second = (cpu_now - cpu) / (now - started)
            item.sink_idle_cpu_per_second = (sink_now - sink_cpu) / (now - started)
        for item in running:
            check = verify_gateway(item.url, body, expected)
            if not check.ok:
                raise RuntimeError(f"{item.variant.name}: wrong answer: {check.problem}")
            item.expected_file = workdir / f"expected-{item.variant.name}.json"
            item.expected_file.write_bytes(check.body)
            if options.warmup_seconds > 0:
                argv = wrk_argv(
                    item.url,
                    connections=options.connections,
                    duration_seconds=options.warmup_seconds,
                    cpus=options.load_cpus,
                )
                run_wrk(argv, body_file=body_file, expected_file=None, deadline_seconds=120)
            item.marks = []
        by_name = {item.variant.name: item for item in running}
        for cycle in range(rounds):
            for name in round_order(list(by_name), cycle):
                window = _window(by_name[name], cycle, body_file, expected, options)
                print(
                    f"  cycle {cycle} {name:8} {window.requests_per_second:7.1f} rps  "
                    f"p50 {window.p50_ms:7.1f} ms  p99 {window.p99_ms:7.1f} ms  "
                    f"errors {window.errors}",
                    flush=True,
                )
                windows.append(window)
                wait_until_idle(by_name[name].router.pid or 0)  # its in-flight requests
        time.sleep(_SETTLE_SECONDS)  # the batch processor's timer exports what is queued
        for item in running:
            assert item.marks is not None
            item.marks.append(item.cpu())
            after = verify_gateway(item.url, body, expected)
            if not after.ok:
                raise RuntimeError(f"{item.variant.name}: wrong answer after: {after.problem}")
        _account(windows, running)
        traced_sink = by_name["traced"].sink_url
        assert traced_sink is not None
        span_names = _one_trace(traced_sink)
        counted: dict[str, float] = {}
        if instructions:
            from benchmarks.telemetry_instructions import instructions_per_request

            for item in running:
                item.router.stop()  # idle anyway; the counted router runs alone
            for item in running:
                counted[item.variant.name] = instructions_per_request(
                    item.variant, supergraph, item.sink_url, body, workdir
                )
                print(
                    f"  {item.variant.name:8} {counted[item.variant.name]:.2f} M instructions per request",
                    flush=True,
                )
    found = telemetry_ratios(windows)
    off = off_path_cost(span_names)
    base_cpu_us = 1000 * found[BASE]["cpu_ms_per_request"]
    off_line = (
        f"off path: {off['hooks_off_us_per_request']:.1f} µs CPU per request for the hooks of "
        f"{int(off['spans_per_request'])} spans ({dict(span_names)}) = "
        f"{100 * off['hooks_off_us_per_request'] / base_cpu_us:.2f}% of the off router's "
        f"{base_cpu_us / 1000:.2f} ms; the same spans on the API's no-op tracer: "
        f"{off['noop_tracer_us_per_request']:.1f} µs"
    )
    settings = {"variants": [asdict(v) for v in chosen], "cycles": rounds, **options.__dict__}
    path = write_results(
        "telemetry",
        {
            "settings": settings,
            "ratios": found,
            "off_path": off,
            "instructions_millions_per_request": counted,
            "spans_per_request": dict(span_names),
            "windows": [
                {
                    **asdict(w),
                    "requests_per_second": w.requests_per_second,
                    "cpu_ms_per_request": w.cpu_ms_per_request,
                }
                for w in windows
            ],
        },
        results_dir,
    )
    counted_line = (
        "instructions per request (callgrind, millions; ÷ off): "
        + ", ".join(f"{n} {m:.2f} ({m / counted[BASE]:.3f}x)" for n, m in counted.items())
        + "\n\n"
        if counted
        else ""
    )
    return f"{_format(found, chosen)}\n\n{counted_line}{off_line}\n\nresults: {path}\n{json.dumps(found)}"
