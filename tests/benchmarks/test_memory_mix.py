from __future__ import annotations

from graphql import build_schema, parse, validate

from benchmarks.memory_bench import MixedRequest, mixed_requests, window_summary
from benchmarks.workload import _API_SDL, QUERY_PATH, expected_response


def test_the_mix_has_its_shares_and_is_deterministic() -> None:
    deep = QUERY_PATH.read_text()
    mix = mixed_requests(1000, deep)
    assert mix == mixed_requests(1000, deep)
    assert sum(r.query == deep for r in mix) == 20
    unique = [r for r in mix if r.query.startswith("query Unique")]
    assert len(unique) == 80
    assert len({r.query for r in unique}) == 80
    assert {r.variables["id"] for r in mix if r.variables} == {"1", "2", "3", "4", "5", "6"}
    assert mix[9] == MixedRequest("query Unique9 { p9: topProducts(first: 2) { upc inStock } }")


def test_every_mixed_request_is_valid_and_the_oracle_answers_it() -> None:
    schema = build_schema(_API_SDL)
    for request in mixed_requests(60, QUERY_PATH.read_text()):
        assert validate(schema, parse(request.query)) == []
        assert "data" in expected_response(request.query, request.variables)


def test_window_summary() -> None:
    summary = window_summary([float(v) for v in range(1, 101)])
    assert summary == {"mean_ms": 50.5, "p50_ms": 50.5, "p99_ms": 99.0}
    assert window_summary([]) == {"mean_ms": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
