"""``bench rejection``: does one request still hold the router's event loop (issue #11)?

A router process (production mode, the repository supergraph, its subgraphs pointed at a closed
port: nothing here needs them) gets a closed loop of cheap ``{ __typename }`` probes from
``probes`` clients, first alone, then while ``attackers`` clients send the worst documents the
limits still accept (:mod:`benchmarks.rejection_documents`), each copy distinct so the document
cache never answers. The probes' p99 is the figure (target under 100 ms). Then every rejected
document is sent ``repeat`` times, one at a time, and the time to its refusal is measured
(target under 50 ms each).

The machine this runs on is usually shared, so wall times alone say little. Each sequential
request is also charged the router's CPU time it caused (the sum over the process's threads of
``/proc/PID/task/TID/schedstat``, nanosecond resolution: nothing else runs in the router then),
and two baselines are measured the same way in the same run, one request at a time: the cached
probe and a new small document (parsed and validated). The load average is reported with the
figures.

:func:`loop_lag` measures the loop blocking itself, in-process and in CPU time (robust to the
machine's load): a task sleeping 1 ms records the process CPU time that went by before it woke,
while two tasks prepare the worst accepted documents, on the loop (``prepare_document``, the
baseline) or through ``prepare_document_off_loop`` (what the router does), alternated.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks.rejection_documents import rejected_documents, worst_accepted_documents
from router.limits.cost_directives import CostDirectives
from router.limits.settings import LimitsSettings
from router.operations.documents import (
    DocumentRules,
    prepare_document,
    prepare_document_off_loop,
)
from router.security.authorization_rules import AuthorizationRules
from router.supergraph import load_supergraph
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = [
    "RejectionReport",
    "accepted_by_limits",
    "measure",
    "router_process",
    "run_rejection_benchmark",
]

SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"
PROBE = {"query": "{ __typename }"}


def accepted_by_limits(limits: LimitsSettings) -> DocumentRules:
    """The router's own document rules over the repository supergraph."""
    supergraph = load_supergraph(SUPERGRAPH.read_text())
    return DocumentRules(
        supergraph.api_schema,
        limits,
        AuthorizationRules.from_sdl(supergraph.sdl),
        CostDirectives.from_sdl(supergraph.sdl),
    )


def _passes_limits(rules: DocumentRules, document: str) -> bool:
    errors = prepare_document(rules, document).errors
    return not errors or not str(errors[0]["extensions"]["code"]).startswith("MAX_")


@contextmanager
def router_process(workdir: Path, cpus: str | None = None) -> Iterator[str]:
    """The ``router`` console script on a free port; yields its ``/graphql`` URL."""
    with _router(workdir, cpus) as (url, _):
        yield url


def router_cpu_seconds(pid: int) -> float:
    """CPU time of every thread of ``pid`` so far (``schedstat``: nanoseconds, not ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended while we looked
    return total / 1e9


@contextmanager
def _router(workdir: Path, cpus: str | None) -> Iterator[tuple[str, int]]:
    port, closed = free_port(), free_port()
    config = workdir / "router.yaml"
    config.write_text(yaml.safe_dump({"mode": "production", "http": {"redis_url": None}}))
    supergraph = load_supergraph(SUPERGRAPH.read_text())
    argv = [sys.executable, "-m", "router.cli", "--supergraph", str(SUPERGRAPH)]
    argv += ["--config", str(config), "--port", str(port), "--log-level", "warning"]
    argv += [
        f"--subgraph-url={g.name}=http://127.0.0.1:{closed}/graphql" for g in supergraph.graphs
    ]
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT)
    process = ManagedProcess(spec, log_path=workdir / "router.log")
    process.start(ready_timeout_seconds=90)
    try:
        assert process.pid is not None
        yield f"http://127.0.0.1:{port}/graphql", process.pid
    finally:
        process.stop()


@dataclass
class Timed:
    """Sequential requests of one kind: wall seconds each, and the router CPU each caused."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)


@dataclass
class RejectionReport:
    probe_alone: list[float] = field(default_factory=list)
    probe_attacked: list[float] = field(default_factory=list)
    accepted: dict[str, list[float]] = field(default_factory=dict)
    baselines: dict[str, Timed] = field(default_factory=dict)
    refusals: dict[str, Timed] = field(default_factory=dict)
    load_average: tuple[float, float] = (0.0, 0.0)
    """The 1-minute load average before and after the run (2 cores here: above 2 is queueing)."""

    @property
    def rejected(self) -> dict[str, list[float]]:
        return {name: timed.wall for name, timed in self.refusals.items()}

    @staticmethod
    def p99(samples: list[float]) -> float:
        if len(samples) < 2:
            return samples[0] if samples else float("nan")
        return statistics.quantiles(samples, n=100, method="inclusive")[98]

    def table(self) -> str:
        lines = [
            f"load average (1 min) {self.load_average[0]:.1f} before, "
            f"{self.load_average[1]:.1f} after",
            "",
            "| probes `{ __typename }` | requests | p50 | p99 | max |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, samples in (("alone", self.probe_alone), ("under attack", self.probe_attacked)):
            lines.append(
                f"| {name} | {len(samples)} | {_ms(statistics.median(samples))} | "
                f"{_ms(self.p99(samples))} | {_ms(max(samples))} |"
            )
        lines += ["", "| worst accepted document | sent | median | max |", "|---|---:|---:|---:|"]
        for name, samples in self.accepted.items():
            lines.append(
                f"| {name} | {len(samples)} | {_ms(statistics.median(samples))} | "
                f"{_ms(max(samples))} |"
            )
        lines += [
            "",
            "| one at a time | code | wall median | wall max | router CPU median | CPU max |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for kind, rows in (("baseline", self.baselines), ("refused", self.refusals)):
            for name, timed in rows.items():
                codes = ", ".join(sorted(timed.codes))
                lines.append(
                    f"| {kind}: {name} | {codes} | {_ms(statistics.median(timed.wall))} | "
                    f"{_ms(max(timed.wall))} | {_ms(statistics.median(timed.cpu))} | "
                    f"{_ms(max(timed.cpu))} |"
                )
        return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def _timed(
    client: httpx.AsyncClient, url: str, body: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post(url, json=body)
    return time.perf_counter() - started, response.json()


async def _probe(client: httpx.AsyncClient, url: str, until: float, into: list[float]) -> None:
    while time.perf_counter() < until:
        elapsed, body = await _timed(client, url, PROBE)
        if body != {"data": {"__typename": "Query"}}:
            raise RuntimeError(f"unexpected probe answer {body}")
        into.append(elapsed)


async def _attack(
    client: httpx.AsyncClient,
    url: str,
    until: float,
    *,
    documents: dict[str, str],
    salts: Iterator[int],
    into: dict[str, list[float]],
) -> None:
    while time.perf_counter() < until:
        for name, document in documents.items():
            elapsed, _ = await _timed(client, url, {"query": f"# {next(salts)}\n{document}"})
            into.setdefault(name, []).append(elapsed)


async def measure(
    url: str,
    limits: LimitsSettings,
    *,
    seconds: float = 10.0,
    probes: int = 8,
    attackers: int = 2,
    repeat: int = 5,
    attack_with_rejected: bool = False,
    pid: int | None = None,
) -> RejectionReport:
    """Probe alone, probe under attack (the worst accepted documents, and the rejected ones too
    with ``attack_with_rejected``), then time each rejected document ``repeat`` times."""
    rules = accepted_by_limits(limits)
    attack = worst_accepted_documents(limits, lambda d: _passes_limits(rules, d))
    if attack_with_rejected:
        attack |= rejected_documents()
    report = RejectionReport()
    load_before = os.getloadavg()[0]
    salts = itertools.count()
    limits_ = httpx.Limits(max_connections=probes + attackers + 2)
    async with httpx.AsyncClient(timeout=60, limits=limits_) as client:
        until = time.perf_counter() + seconds / 2
        await asyncio.gather(
            *(_probe(client, url, until, report.probe_alone) for _ in range(probes))
        )
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_probe(client, url, until, report.probe_attacked) for _ in range(probes)),
            *(
                _attack(client, url, until, documents=attack, salts=salts, into=report.accepted)
                for _ in range(attackers)
            ),
        )
        cpu = (lambda: router_cpu_seconds(pid)) if pid is not None else None
        report.baselines["cached probe"] = await _one_at_a_time(
            client, url, lambda: PROBE, repeat, cpu
        )
        report.baselines["new small document"] = await _one_at_a_time(
            client, url, lambda: {"query": f"# {next(salts)}\n{{ __typename }}"}, repeat, cpu
        )
        for name, document in rejected_documents().items():
            report.refusals[name] = await _one_at_a_time(
                client, url, lambda d=document: {"query": f"# {next(salts)}\n{d}"}, repeat, cpu
            )
    report.load_average = (load_before, os.getloadavg()[0])
    return report


async def _one_at_a_time(
    client: httpx.AsyncClient,
    url: str,
    body: Callable[[], dict[str, str]],
    repeat: int,
    cpu: Callable[[], float] | None,
) -> Timed:
    timed = Timed()
    for _ in range(repeat):
        before = cpu() if cpu is not None else 0.0
        elapsed, answer = await _timed(client, url, body())
        timed.cpu.append(cpu() - before if cpu is not None else float("nan"))
        timed.wall.append(elapsed)
        codes = {str(e["extensions"]["code"]) for e in answer.get("errors", ())}
        timed.codes.update(codes or {"(data)"})
    return timed


async def _lag_while_preparing(
    rules: DocumentRules, documents: list[str], off_loop: bool, seconds: float
) -> list[float]:
    lags: list[float] = []
    until = time.perf_counter() + seconds
    salts = itertools.count()

    async def ticker() -> None:
        while time.perf_counter() < until:
            started = time.process_time()
            await asyncio.sleep(0.001)
            lags.append(time.process_time() - started)

    async def attacker() -> None:
        while time.perf_counter() < until:
            document = f"# {next(salts)}\n{documents[next(salts) % len(documents)]}"
            if off_loop:
                await prepare_document_off_loop(rules, document)
            else:
                prepare_document(rules, document)
                await asyncio.sleep(0)

    await asyncio.gather(ticker(), attacker(), attacker())
    return lags


def loop_lag(limits: LimitsSettings, *, seconds: float = 3.0, rounds: int = 2) -> str:
    """The event loop's lag in CPU time while the worst accepted documents are prepared."""
    rules = accepted_by_limits(limits)
    documents = list(worst_accepted_documents(limits, lambda d: _passes_limits(rules, d)).values())
    gc.freeze()  # as the router does after startup
    lags: dict[str, list[float]] = {"on the loop": [], "off the loop": []}
    for _ in range(rounds):
        for name, off_loop in (("on the loop", False), ("off the loop", True)):
            lags[name] += asyncio.run(_lag_while_preparing(rules, documents, off_loop, seconds))
    lines = [
        "| worst accepted documents prepared | ticks | CPU lag p50 | p99 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, samples in lags.items():
        lines.append(
            f"| {name} | {len(samples)} | {_ms(statistics.median(samples))} | "
            f"{_ms(RejectionReport.p99(samples))} | {_ms(max(samples))} |"
        )
    return "\n".join(lines)


def run_rejection_benchmark(
    *, seconds: float = 10.0, cpus: str | None = "0", repeat: int = 20
) -> str:
    limits = LimitsSettings()
    with (
        tempfile.TemporaryDirectory(prefix="bench-rejection-") as tmp,
        _router(Path(tmp), cpus) as (url, pid),
    ):
        report = asyncio.run(measure(url, limits, seconds=seconds, repeat=repeat, pid=pid))
    worst = max(max(timed.wall) for timed in report.refusals.values())
    worst_cpu = max(max(timed.cpu) for timed in report.refusals.values())
    verdict = (
        f"p99 under attack {_ms(report.p99(report.probe_attacked))} (target < 100 ms); "
        f"slowest refusal {_ms(worst)} (target < 50 ms), its router CPU at most "
        f"{_ms(worst_cpu)}"
    )
    return f"{report.table()}\n\n{verdict}\n\n{loop_lag(limits)}"
