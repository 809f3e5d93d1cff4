"""The issue #20 table: deduplication modes by gateway, each cell req/s, p99, CPU/request."""

from __future__ import annotations

from benchmarks.mode_table import format_mode_table
from benchmarks.report import GatewayRow


def row(gateway: str, rps: float, p99: float, cpu: float) -> GatewayRow:
    return GatewayRow(gateway, 1, rps, p99 / 2, p99, 0, int(rps * 10), 100.0, 50.0, 5.0, cpu, ())


def test_each_gateway_lands_in_its_mode_and_column() -> None:
    rows = [
        row("router-nodedup", 68.4, 1300, 14.04),
        row("apollo", 36.0, 6500, 28.0),
        row("router", 184.0, 390, 5.4),
        row("hive-rust", 154.0, 1300, 7.0),
        row("router-dedupe", 1309.0, 127, 0.44),
        row("hive-dedupe", 818.0, 210, 1.1),
    ]
    assert format_mode_table(rows).splitlines() == [
        "| mode | router | @apollo/gateway 2.14 | Hive Gateway 2.15 (JS planner)"
        " | Hive Gateway 2.15, Rust planner (`--hive-router-runtime`) |",
        "|---|---:|---:|---:|---:|",
        "| no deduplication at all (Apollo Gateway has none)"
        " | 68 req/s, p99 1.30 s, 14.0 ms CPU/req | 36 req/s, p99 6.50 s, 28.0 ms CPU/req |  |  |",
        "| identical in-flight subgraph fetches shared, inbound not (each gateway's default)"
        " | 184 req/s, p99 390 ms, 5.4 ms CPU/req |  |  | 154 req/s, p99 1.30 s, 7.0 ms CPU/req |",
        "| inbound deduplication on too | 1,309 req/s, p99 127 ms, 0.4 ms CPU/req |  "
        "| 818 req/s, p99 210 ms, 1.1 ms CPU/req |  |",
    ]


def test_no_table_without_a_gateway_of_it() -> None:
    assert format_mode_table([row("router-1w", 10.0, 100, 1.0)]) == ""


def test_a_baseline_router_gets_its_own_column_next_to_ours() -> None:
    rows = [
        row("router-nodedup", 213.0, 333, 4.7),
        row("router-nodedup@base", 68.4, 1300, 14.04),
        row("apollo", 65.0, 1050, 15.4),
        row("router", 312.0, 276, 3.2),
    ]
    assert format_mode_table(rows).splitlines()[:4] == [
        "| mode | router | router before (`bench gateways --baseline`) | @apollo/gateway 2.14"
        " | Hive Gateway 2.15 (JS planner)"
        " | Hive Gateway 2.15, Rust planner (`--hive-router-runtime`) |",
        "|---|---:|---:|---:|---:|---:|",
        "| no deduplication at all (Apollo Gateway has none)"
        " | 213 req/s, p99 333 ms, 4.7 ms CPU/req | 68 req/s, p99 1.30 s, 14.0 ms CPU/req"
        " | 65 req/s, p99 1.05 s, 15.4 ms CPU/req |  |  |",
        "| identical in-flight subgraph fetches shared, inbound not (each gateway's default)"
        " | 312 req/s, p99 276 ms, 3.2 ms CPU/req |  |  |  |  |",
    ]
