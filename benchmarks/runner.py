"""Run every gateway in turn over the same subgraphs and supergraph, in alternating order.

One round starts each gateway fresh on the gateway core, warms it up, verifies its answer,
runs wrk, verifies again and stops it. Odd rounds run the gateways in reverse order, so slow
drift of a shared, noisy machine falls on every gateway alike; ratios are taken within a round.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.gateways import GATEWAYS, gateway_spec, rewrite_subgraph_urls
from benchmarks.procstat import RssSampler, group_usage
from benchmarks.verify import first_difference, verify_gateway
from benchmarks.wrkrun import WrkResult, run_wrk, wrk_argv
from servicekit.processes import ManagedProcess, free_port

__all__ = [
    "LoadOptions",
    "Measurement",
    "SubgraphSet",
    "describe_wrong_body",
    "measure_gateway",
    "measure_rounds",
    "round_order",
    "run_rounds",
    "startup_error",
    "wait_until_idle",
]


@dataclass(frozen=True)
class LoadOptions:
    """How hard and how long to push, and where each side runs."""

    connections: int = 50
    duration_seconds: float = 20.0
    warmup_seconds: float = 5.0
    gateway_cpus: str | None = "0"
    load_cpus: str | None = "1"
    startup_timeout_seconds: float = 90.0


@dataclass(frozen=True)
class SubgraphSet:
    """Live subgraphs: routing URL per subgraph name and the process groups to account CPU to."""

    urls: Mapping[str, str]
    pgids: Sequence[int]

    def cpu_seconds(self) -> float:
        return sum(group_usage(pgid).cpu_seconds for pgid in self.pgids)


@dataclass
class Measurement:
    """One gateway in one round."""

    gateway: str
    round: int
    position: int
    wrk: WrkResult | None = None
    verified_before: bool = False
    verified_after: bool = False
    problem: str | None = None
    startup_seconds: float = 0.0
    rss_peak_bytes: int = 0
    rss_end_bytes: int = 0
    gateway_cpu_percent: float = 0.0
    subgraph_cpu_percent: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """wrk's errors plus one per failed verification (a wrong answer is an error)."""
        failed_checks = (not self.verified_before) + (
            self.wrk is not None and not self.verified_after
        )
        return (self.wrk.errors if self.wrk else 0) + int(failed_checks)

    @property
    def cpu_ms_per_request(self) -> float:
        """Gateway CPU time per completed request: steadier than requests/s on a shared machine,
        where a gateway gets only the share of its core that other processes leave it."""
        if self.wrk is None or self.wrk.requests == 0:
            return 0.0
        cpu_seconds = self.gateway_cpu_percent / 100 * self.wrk.duration_seconds
        return 1000 * cpu_seconds / self.wrk.requests

    def to_json(self) -> dict[str, Any]:
        return {
            "gateway": self.gateway,
            "round": self.round,
            "position": self.position,
            "wrk": self.wrk.to_json() if self.wrk else None,
            "verified_before": self.verified_before,
            "verified_after": self.verified_after,
            "problem": self.problem,
            "errors": self.errors,
            "startup_seconds": self.startup_seconds,
            "rss_peak_bytes": self.rss_peak_bytes,
            "rss_end_bytes": self.rss_end_bytes,
            "gateway_cpu_percent": self.gateway_cpu_percent,
            "subgraph_cpu_percent": self.subgraph_cpu_percent,
            "cpu_ms_per_request": self.cpu_ms_per_request,
            **self.extra,
        }


_LOG_TAIL_LINES = 30  # the gateway's stderr kept with a failed check (its own error report)
_ERROR_LINE = re.compile(r"\b(?:[A-Za-z]*Error|error): ([^\n]{10,300})")


def startup_error(message: str) -> str:
    """The telling line of a failed start (a gateway's log tail is mostly stack frames)."""
    found = _ERROR_LINE.search(message.split("--- log tail ---", 1)[-1])
    return found.group(0) if found else message[:300]


def wait_until_idle(
    pgid: int, *, busy_percent: float = 10.0, interval: float = 0.5, max_seconds: float = 30.0
) -> float:
    """Wait until the gateway's backlog (requests wrk left in flight) is served: its CPU use over
    ``interval`` drops below ``busy_percent``. The check after the run then tests the gateway's
    state, not its queue. Returns the seconds waited."""
    started = time.monotonic()
    before = group_usage(pgid).cpu_seconds
    while time.monotonic() - started < max_seconds:
        time.sleep(interval)
        now = group_usage(pgid).cpu_seconds
        if 100 * (now - before) / interval < busy_percent:
            break
        before = now
    return time.monotonic() - started


T = TypeVar("T")


def round_order(gateways: Sequence[T], round_index: int) -> list[T]:
    """Forward on even rounds, reversed on odd ones: every gateway's mean position is equal."""
    order = list(gateways)
    return order if round_index % 2 == 0 else order[::-1]


def _load(
    url: str,
    body_file: Path,
    expected_file: Path | None,
    seconds: float,
    options: LoadOptions,
    *,
    wrong_file: Path | None = None,
) -> WrkResult:
    argv = wrk_argv(
        url, connections=options.connections, duration_seconds=seconds, cpus=options.load_cpus
    )
    return run_wrk(
        argv,
        body_file=body_file,
        expected_file=expected_file,
        deadline_seconds=seconds + 120,
        wrong_file=wrong_file,
    )


def describe_wrong_body(raw: bytes, expected: Mapping[str, Any]) -> str:
    """What was wrong with a body wrk kept: its first difference and its first GraphQL error."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return f"not JSON: {raw[:120]!r}"
    difference = first_difference(answer, expected) or "equal as JSON (bytes differ)"
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if errors:
        difference += f"; first error: {json.dumps(errors[0])[:200]}"
    return difference


def measure_gateway(
    name: str,
    round_index: int,
    position: int,
    *,
    supergraph: Path,
    body: bytes,
    expected: Mapping[str, Any],
    workdir: Path,
    subgraphs: SubgraphSet,
    options: LoadOptions,
) -> Measurement:
    """Start, warm up, verify, load, verify, stop: one gateway, one round."""
    gateway = GATEWAYS[name]
    result = Measurement(name, round_index, position)
    port = free_port()
    url = f"http://127.0.0.1:{port}{gateway.graphql_path}"
    body_file = workdir / "body.json"
    body_file.write_bytes(body)
    spec = gateway_spec(gateway, supergraph, port, workdir, options.gateway_cpus)
    process = ManagedProcess(spec, log_path=workdir / f"{name}-round{round_index}.log")
    started = time.monotonic()
    try:
        process.start(ready_timeout_seconds=options.startup_timeout_seconds)
    except RuntimeError as error:
        result.problem = f"did not start: {startup_error(str(error))}"
        return result
    try:
        result.startup_seconds = time.monotonic() - started
        if options.warmup_seconds > 0:
            _load(url, body_file, None, options.warmup_seconds, options)
        before = verify_gateway(url, body, expected)
        result.verified_before = before.ok
        if not before.ok:
            result.problem = f"wrong answer before the run: {before.problem}"
            result.extra["gateway_log_tail"] = process.log_tail(_LOG_TAIL_LINES)
            return result
        expected_file = workdir / f"expected-{name}.json"
        expected_file.write_bytes(before.body)
        pgid = process.pid or 0
        gateway_cpu, subgraph_cpu = group_usage(pgid).cpu_seconds, subgraphs.cpu_seconds()
        wrong_file = workdir / f"wrong-{name}-round{round_index}.json"
        with RssSampler(pgid) as sampler:
            result.wrk = _load(
                url,
                body_file,
                expected_file,
                options.duration_seconds,
                options,
                wrong_file=wrong_file,
            )
        if result.wrk.wrong_bodies and wrong_file.exists():
            first_wrong = describe_wrong_body(wrong_file.read_bytes(), expected)
            result.extra["first_wrong_body"] = first_wrong
            result.problem = (
                f"{result.wrk.wrong_bodies} wrong bodies under load, first: {first_wrong}"
            )
        seconds = result.wrk.duration_seconds or options.duration_seconds
        result.gateway_cpu_percent = 100 * (group_usage(pgid).cpu_seconds - gateway_cpu) / seconds
        result.subgraph_cpu_percent = 100 * (subgraphs.cpu_seconds() - subgraph_cpu) / seconds
        result.rss_peak_bytes = sampler.peak_bytes
        result.rss_end_bytes = group_usage(pgid).rss_bytes
        result.extra["drain_seconds"] = wait_until_idle(pgid)
        after = verify_gateway(url, body, expected)
        result.verified_after = after.ok
        if not after.ok:
            result.problem = "; ".join(
                p for p in (result.problem, f"wrong answer after the run: {after.problem}") if p
            )
            result.extra["gateway_log_tail"] = process.log_tail(_LOG_TAIL_LINES)
    finally:
        process.stop()
    return result


def run_rounds(
    gateways: Sequence[str],
    rounds: int,
    *,
    supergraph_template: str,
    body: bytes,
    expected: Mapping[str, Any],
    workdir: Path,
    subgraphs: SubgraphSet,
    options: LoadOptions,
    report: Callable[[Measurement], None] = lambda _m: None,
) -> list[Measurement]:
    """Every gateway once per round, order alternating, on the supergraph template with the
    subgraphs' URLs; ``report`` sees each result as it lands."""
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(rewrite_subgraph_urls(supergraph_template, lambda n: subgraphs.urls[n]))
    return measure_rounds(
        gateways,
        rounds,
        supergraph=supergraph,
        body=body,
        expected=expected,
        workdir=workdir,
        subgraphs=subgraphs,
        options=options,
        report=report,
    )


def measure_rounds(
    gateways: Sequence[str],
    rounds: int,
    *,
    supergraph: Path,
    body: bytes,
    expected: Mapping[str, Any],
    workdir: Path,
    subgraphs: SubgraphSet,
    options: LoadOptions,
    cpus: Mapping[str, tuple[str | None, str | None]] | None = None,
    report: Callable[[Measurement], None] = lambda _m: None,
) -> list[Measurement]:
    """Every gateway once per round, order alternating; ``cpus`` gives a gateway its own
    (gateway cores, load cores) instead of ``options``'s; ``report`` sees each result."""
    measurements = []
    for round_index in range(rounds):
        for position, name in enumerate(round_order(gateways, round_index)):
            pinned = (cpus or {}).get(name)
            measurement = measure_gateway(
                name,
                round_index,
                position,
                supergraph=supergraph,
                body=body,
                expected=expected,
                workdir=workdir,
                subgraphs=subgraphs,
                options=options
                if pinned is None
                else replace(options, gateway_cpus=pinned[0], load_cpus=pinned[1]),
            )
            report(measurement)
            measurements.append(measurement)
    return measurements
