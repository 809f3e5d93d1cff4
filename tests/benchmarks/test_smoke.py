"""A few seconds of the real harness: Node subgraphs, our router and Apollo Gateway, wrk."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from benchmarks.gateway_bench import node_subgraphs, run_gateway_benchmark
from benchmarks.gateways import rewrite_subgraph_urls
from benchmarks.runner import LoadOptions, measure_gateway
from benchmarks.tools import ensure_node_modules, ensure_wrk
from benchmarks.workload import QUERY_PATH, SUPERGRAPH_PATH, expected_response, request_body

pytestmark = [pytest.mark.e2e, pytest.mark.node, pytest.mark.slow]

TINY = LoadOptions(
    connections=4, duration_seconds=2, warmup_seconds=1, gateway_cpus=None, load_cpus=None
)


def test_a_tiny_run_measures_both_gateways_with_verified_answers(tmp_path: Path) -> None:
    table = run_gateway_benchmark(["router", "apollo"], 1, TINY, results_dir=tmp_path)
    results = json.loads((tmp_path / "gateways-latest.json").read_text())
    assert [m["gateway"] for m in results["measurements"]] == ["router", "apollo"]
    for measurement in results["measurements"]:
        assert measurement["problem"] is None
        assert measurement["verified_before"] and measurement["verified_after"]
        wrk = measurement["wrk"]
        assert wrk["requests"] > 0
        assert wrk["checked_bodies"] == wrk["requests"]
        assert measurement["errors"] == 0
        assert measurement["rss_peak_bytes"] > 10 * 2**20
    assert [r["reference"] for r in results["ratios"]] == ["apollo"]
    assert "| router ÷ apollo |" in table
    assert results["machine"]["nproc"] >= 1


def test_a_wrong_answer_is_caught_before_the_load(tmp_path: Path) -> None:
    ensure_wrk()
    ensure_node_modules()
    query = QUERY_PATH.read_text()
    tampered = copy.deepcopy(expected_response(query))
    tampered["data"]["topProducts"][1]["name"] = "Not this"
    with node_subgraphs(tmp_path, None) as subgraphs:
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(
            rewrite_subgraph_urls(SUPERGRAPH_PATH.read_text(), lambda n: subgraphs.urls[n])
        )
        measurement = measure_gateway(
            "router",
            0,
            0,
            supergraph=supergraph,
            body=request_body(query),
            expected=tampered,
            workdir=tmp_path,
            subgraphs=subgraphs,
            options=TINY,
        )
    assert measurement.wrk is None
    assert measurement.problem is not None
    assert measurement.problem.startswith(
        "wrong answer before the run: $.data.topProducts[1].name:"
    )
    assert measurement.errors == 1
