"""``bench telemetry``: the ratio arithmetic on hand-made windows, and a few seconds of the real
harness (four routers, two trace sinks, the Node subgraphs, wrk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.runner import LoadOptions
from benchmarks.telemetry_bench import Window, run_telemetry_benchmark, telemetry_ratios


def _window(variant: str, cycle: int, requests: int, cpu_seconds: float) -> Window:
    return Window(variant, cycle, requests, 10.0, 0, 1.0, 2.0, in_flight=0, cpu_seconds=cpu_seconds)


def test_ratios_are_medians_of_same_cycle_ratios() -> None:
    windows = [
        _window("off", 0, 100, 0.4),  # 4 ms per request
        _window("traced", 0, 50, 0.4),  # 8 ms: 2x
        _window("off", 1, 200, 0.4),  # 2 ms: a faster cycle
        _window("traced", 1, 100, 0.3),  # 3 ms: 1.5x
        _window("off", 2, 100, 0.2),  # 2 ms
        _window("traced", 2, 100, 0.5),  # 5 ms: 2.5x
    ]
    found = telemetry_ratios(windows)
    traced = found["traced"]
    assert traced["cpu_per_request_ratio"] == pytest.approx(2.0)
    assert (traced["cpu_per_request_ratio_min"], traced["cpu_per_request_ratio_max"]) == (
        pytest.approx(1.5),
        pytest.approx(2.5),
    )
    assert traced["requests_per_second_ratio"] == pytest.approx(0.5)  # 0.5, 0.5, 1.0
    assert traced["cycles"] == 3
    assert found["off"]["cpu_per_request_ratio"] == 1.0


def test_in_flight_requests_count_as_served() -> None:
    window = Window("off", 0, 90, 10.0, 0, 1.0, 2.0, in_flight=10, cpu_seconds=0.5)
    assert window.served == 100
    assert window.cpu_ms_per_request == pytest.approx(5.0)


@pytest.mark.e2e
@pytest.mark.node
@pytest.mark.slow
def test_a_tiny_run_measures_all_four_variants(tmp_path: Path) -> None:
    options = LoadOptions(
        connections=2, duration_seconds=1, warmup_seconds=0, gateway_cpus=None, load_cpus=None
    )
    output = run_telemetry_benchmark(1, options, tmp_path)
    results = json.loads((tmp_path / "telemetry-latest.json").read_text())
    assert [w["variant"] for w in results["windows"]] == ["off", "metrics", "traced", "sampled"]
    for window in results["windows"]:
        assert window["requests"] > 0 and window["errors"] == 0
        assert window["cpu_seconds"] > 0
    assert set(results["ratios"]) == {"off", "metrics", "traced", "sampled"}
    # one benchmark request: the server span (carrying the operation), plan, shape, one per fetch
    spans = results["spans_per_request"]
    assert {k: v for k, v in spans.items() if k != "graphql.validate"} == {
        "POST /graphql": 1,
        "router.plan": 1,
        "router.shape": 1,
        "subgraph.fetch": 11,
    }
    assert results["off_path"]["hooks_off_us_per_request"] > 0
    assert "| metrics + every request traced, exported |" in output
