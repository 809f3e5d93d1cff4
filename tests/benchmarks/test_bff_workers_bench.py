"""``bench bff-workers`` for a few seconds: the seeded stack, each BFF as a real process with 1
and then 2 workers, wrk checking every answer (issue #20, "same for the BFFs")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bff_workers_bench import run_bff_workers_benchmark
from benchmarks.runner import LoadOptions

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_tiny_run_measures_one_and_two_workers_of_each_bff_with_verified_answers(
    tmp_path: Path,
) -> None:
    options = LoadOptions(connections=4, duration_seconds=2, warmup_seconds=1)
    table = run_bff_workers_benchmark(1, options, results_dir=tmp_path)
    results = json.loads((tmp_path / "bff-workers-latest.json").read_text())
    measured = results["measurements"]
    assert [m["gateway"] for m in measured] == [
        "bff-web-1w",
        "bff-web-2w",
        "bff-mobile-1w",
        "bff-mobile-2w",
    ]
    for measurement in measured:
        assert measurement["problem"] is None
        assert measurement["verified_before"] and measurement["verified_after"]
        wrk = measurement["wrk"]
        assert wrk["requests"] > 0
        assert wrk["checked_bodies"] == wrk["requests"]
        assert wrk["wrong_bodies"] == 0
    scale = results["scale_per_round"]
    assert sorted(scale) == ["mobile", "web"]
    assert all(len(ratios) == 1 and ratios[0] > 0 for ratios in scale.values())
    assert "bff-web: 2 workers ÷ 1 worker, requests/s per round: " in table
    assert "bff-mobile: 2 workers ÷ 1 worker, requests/s per round: " in table
