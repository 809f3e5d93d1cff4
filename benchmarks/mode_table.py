"""The issue #20 table: one row per deduplication mode, one column per gateway, each cell
requests/s, p99 and CPU per request (the figure that does not depend on the machine's load).

Modes, as each gateway names them: no deduplication at all (Apollo Gateway has none; our router
with ``all_subgraphs.deduplicate_queries: false``), identical in-flight subgraph fetches shared
but inbound requests not (the default of our router and Hive Gateway), and inbound deduplication
on too (``deduplicate_inbound`` / Hive's ``inboundInflightRequestDeduplication``).
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.report import GatewayRow

__all__ = ["BASELINE_COLUMN", "COLUMNS", "MODES", "format_mode_table"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("router", "router"),
    ("apollo", "@apollo/gateway 2.14"),
    ("hive", "Hive Gateway 2.15 (JS planner)"),
    ("hive-rust", "Hive Gateway 2.15, Rust planner (`--hive-router-runtime`)"),
)

MODES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "no deduplication at all (Apollo Gateway has none)",
        {"router": "router-nodedup", "apollo": "apollo"},
    ),
    (
        "identical in-flight subgraph fetches shared, inbound not (each gateway's default)",
        {"router": "router", "hive": "hive", "hive-rust": "hive-rust"},
    ),
    (
        "inbound deduplication on too",
        {"router": "router-dedupe", "hive": "hive-dedupe", "hive-rust": "hive-rust-dedupe"},
    ),
)


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:.2f} s" if milliseconds >= 1000 else f"{milliseconds:.0f} ms"


def _cell(row: GatewayRow | None) -> str:
    if row is None:
        return ""
    if row.requests == 0:
        return "not measured"
    return (
        f"{row.requests_per_second:,.0f} req/s, p99 {_seconds(row.p99_ms)}, "
        f"{row.cpu_ms_per_request:.1f} ms CPU/req"
    )


BASELINE_COLUMN = ("router@base", "router before (`bench gateways --baseline`)")
"""Shown when an earlier commit's router was measured in the run (:mod:`benchmarks.baseline`)."""


def format_mode_table(rows: Sequence[GatewayRow]) -> str:
    """The Markdown table; empty when no measured gateway belongs to it."""
    by_name = {row.gateway: row for row in rows}
    if not any(name in by_name for _, cells in MODES for name in cells.values()):
        return ""
    columns = COLUMNS
    if any(name.endswith("@base") for name in by_name):
        columns = (COLUMNS[0], BASELINE_COLUMN, *COLUMNS[1:])
    lines = [
        "| mode | " + " | ".join(label for _, label in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for mode, cells in MODES:
        names = {**cells, "router@base": f"{cells['router']}@base"}
        values = [_cell(by_name.get(names.get(column, ""))) for column, _ in columns]
        lines.append(f"| {mode} | " + " | ".join(values) + " |")
    return "\n".join(lines)
