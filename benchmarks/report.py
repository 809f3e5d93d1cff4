"""Aggregate rounds into one row per gateway, ratios of our router to each reference gateway,
and the Markdown table `bench` prints and benchmarks/README.md shows.

Medians over rounds (robust to one disturbed round on a shared machine); ratios are computed
within each round first (both gateways measured minutes apart) and then their median is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from statistics import median
from typing import Any

from benchmarks.gateways import GATEWAYS, REFERENCE_GATEWAYS, ROUTER_GATEWAYS
from benchmarks.runner import Measurement
from benchmarks.wrkrun import WrkResult

__all__ = [
    "GatewayRow",
    "Ratio",
    "aggregate",
    "format_table",
    "measurements_from_json",
    "ratios",
    "scale_per_round",
]


@dataclass(frozen=True)
class GatewayRow:
    gateway: str
    rounds: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    rss_peak_mb: float
    gateway_cpu_percent: float
    subgraph_cpu_percent: float
    cpu_ms_per_request: float
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Ratio:
    """Per round: ``ours`` requests/s ÷ ``reference`` requests/s (``per_round``), and the
    reference's CPU per request ÷ ours (``cpu_per_round``; above 1 = ours costs less CPU)."""

    ours: str
    reference: str
    per_round: tuple[float, ...]
    cpu_per_round: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return median(self.per_round)

    @property
    def cpu_median(self) -> float:
        return median(self.cpu_per_round) if self.cpu_per_round else 0.0


def _median(values: Sequence[float]) -> float:
    return median(values) if values else 0.0


def aggregate(measurements: Sequence[Measurement]) -> list[GatewayRow]:
    """One row per gateway, in first-seen order."""
    names = list(dict.fromkeys(m.gateway for m in measurements))
    rows = []
    for name in names:
        mine = [m for m in measurements if m.gateway == name]
        runs = [m.wrk for m in mine if m.wrk is not None]
        rows.append(
            GatewayRow(
                gateway=name,
                rounds=len(mine),
                requests_per_second=_median([r.requests_per_second for r in runs]),
                p50_ms=_median([r.p50_ms for r in runs]),
                p99_ms=_median([r.p99_ms for r in runs]),
                errors=sum(m.errors for m in mine),
                requests=sum(r.requests for r in runs),
                rss_peak_mb=max((m.rss_peak_bytes for m in mine), default=0) / 2**20,
                gateway_cpu_percent=_median([m.gateway_cpu_percent for m in mine if m.wrk]),
                subgraph_cpu_percent=_median([m.subgraph_cpu_percent for m in mine if m.wrk]),
                cpu_ms_per_request=_median([m.cpu_ms_per_request for m in mine if m.wrk]),
                problems=tuple(m.problem for m in mine if m.problem),
            )
        )
    return rows


def _by_round(measurements: Sequence[Measurement], name: str) -> dict[int, Measurement]:
    return {
        m.round: m
        for m in measurements
        if m.gateway == name and m.wrk is not None and m.verified_before
    }


def _rps(measurement: Measurement) -> float:
    return measurement.wrk.requests_per_second if measurement.wrk else 0.0


def _like_for_like(ours: str, reference: str) -> bool:
    """Compare dedupe with dedupe and plain with plain; the router without any deduplication
    only with Apollo Gateway, which has none (issue #20)."""
    if reference.endswith("@base"):  # the same mode at the baseline commit
        return reference == f"{ours}@base"
    if ours == "router-nodedup":
        return reference == "apollo"
    return ours.endswith("-dedupe") == reference.endswith("-dedupe")


def ratios(measurements: Sequence[Measurement]) -> list[Ratio]:
    """Each like-for-like (router variant, reference gateway) pair measured in a common round."""
    found = []
    for ours in ROUTER_GATEWAYS:
        mine = _by_round(measurements, ours)
        for reference in (*REFERENCE_GATEWAYS, f"{ours}@base"):
            if not _like_for_like(ours, reference):
                continue
            theirs = _by_round(measurements, reference)
            common = sorted(set(mine) & set(theirs))
            rps = {r: (_rps(mine[r]), _rps(theirs[r])) for r in common}
            cpu = {r: (mine[r].cpu_ms_per_request, theirs[r].cpu_ms_per_request) for r in common}
            per_round = tuple(a / b for a, b in rps.values() if b > 0)
            cpu_per_round = tuple(b / a for a, b in cpu.values() if a > 0 and b > 0)
            if per_round:
                found.append(Ratio(ours, reference, per_round, cpu_per_round))
    return found


def scale_per_round(measurements: Sequence[Measurement], one: str, two: str) -> list[float]:
    """``two``'s requests/s over ``one``'s in each round where both ran, their answers verified
    before and after the load and none wrong under it (``bench workers``, ``bench bff-workers``:
    2 workers over 1)."""
    by_round: dict[int, dict[str, Measurement]] = {}
    for m in measurements:
        verified = m.verified_before and m.verified_after and not m.problem
        if m.gateway in (one, two) and m.wrk is not None and verified:
            by_round.setdefault(m.round, {})[m.gateway] = m
    return [
        _rps(pair[two]) / _rps(pair[one])
        for pair in by_round.values()
        if len(pair) == 2 and _rps(pair[one]) > 0
    ]


def _ms(value: float) -> str:
    return (
        f"{value / 1000:.2f} s"
        if value >= 1000
        else f"{value:.0f} ms"
        if value >= 10
        else f"{value:.1f} ms"
    )


def format_table(rows: Sequence[GatewayRow], found: Sequence[Ratio]) -> str:
    """The Markdown tables: one row per gateway, then the ratios."""
    lines = [
        "| gateway | requests/s | p50 | p99 | errors | RSS peak | gateway CPU | CPU per request | subgraphs CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        label = GATEWAYS[row.gateway].label if row.gateway in GATEWAYS else row.gateway
        if row.requests == 0:
            lines.append(f"| {label} | not measured | | | {row.errors} / 0 | | | | |")
            continue
        lines.append(
            f"| {label} | {row.requests_per_second:,.1f} | {_ms(row.p50_ms)} | {_ms(row.p99_ms)} "
            f"| {row.errors} / {row.requests:,} | {row.rss_peak_mb:.0f} MB "
            f"| {row.gateway_cpu_percent:.0f}% | {_ms(row.cpu_ms_per_request)} "
            f"| {row.subgraph_cpu_percent:.0f}% |"
        )
    if found:
        lines += [
            "",
            "| ours ÷ reference | requests/s, median | per round | CPU per request, theirs ÷ ours |",
            "|---|---:|---|---:|",
        ]
        for ratio in found:
            rounds = ", ".join(f"{value:.2f}" for value in ratio.per_round)
            lines.append(
                f"| {ratio.ours} ÷ {ratio.reference} | {ratio.median:.2f}x | {rounds} "
                f"| {ratio.cpu_median:.2f}x |"
            )
    problems = [f"- {row.gateway}: {problem}" for row in rows for problem in row.problems]
    if problems:
        lines += ["", "Problems:", *problems]
    return "\n".join(lines)


def measurements_from_json(document: Mapping[str, Any]) -> list[Measurement]:
    """Rebuild the measurements of a saved results file (``bench report`` re-renders tables)."""
    wrk_fields = {f.name for f in fields(WrkResult)}
    found = []
    for raw in document["measurements"]:
        wrk = raw.get("wrk")
        found.append(
            Measurement(
                gateway=raw["gateway"],
                round=raw["round"],
                position=raw["position"],
                wrk=WrkResult(**{k: v for k, v in wrk.items() if k in wrk_fields}) if wrk else None,
                verified_before=raw["verified_before"],
                verified_after=raw["verified_after"],
                problem=raw.get("problem"),
                startup_seconds=raw.get("startup_seconds", 0.0),
                rss_peak_bytes=raw.get("rss_peak_bytes", 0),
                rss_end_bytes=raw.get("rss_end_bytes", 0),
                gateway_cpu_percent=raw.get("gateway_cpu_percent", 0.0),
                subgraph_cpu_percent=raw.get("subgraph_cpu_percent", 0.0),
            )
        )
    return found
