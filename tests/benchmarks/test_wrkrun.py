from __future__ import annotations

import pytest

from benchmarks.wrkrun import LUA_SCRIPT, parse_wrk_output, wrk_argv

OUTPUT = """Running 5s test @ http://127.0.0.1:18301/graphql
  1 threads and 50 connections
  67 requests in 5.01s, 5.61MB read
Requests/sec:     13.38
BENCH_RESULT {"requests":67,"duration_us":5005775,"bytes":5880858,"errors":{"connect":1,"read":2,"write":3,"status":4,"timeout":5},"wrong_bodies":6,"checked_bodies":61,"latency_us":{"mean":1599790.4,"max":4834304,"p50":1076676,"p90":3514685,"p99":4834304,"p999":4834304}}
"""


def test_parse_wrk_output_reads_the_lua_result_line() -> None:
    result = parse_wrk_output(OUTPUT)
    assert result.requests == 67
    assert result.duration_seconds == pytest.approx(5.005775)
    assert result.requests_per_second == pytest.approx(67 / 5.005775)
    assert result.socket_errors == 1 + 2 + 3 + 5
    assert result.non_2xx == 4
    assert result.timeouts == 5
    assert result.wrong_bodies == 6
    assert result.checked_bodies == 61
    assert result.errors == 11 + 4 + 6
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (
        1076.676,
        3514.685,
        4834.304,
        4834.304,
    )


def test_parse_wrk_output_without_result_line_raises() -> None:
    with pytest.raises(ValueError, match="BENCH_RESULT"):
        parse_wrk_output("Running 5s test\nunable to connect\n")


def test_wrk_argv_pins_with_taskset_and_uses_the_lua_script() -> None:
    argv = wrk_argv("http://127.0.0.1:1/graphql", connections=50, duration_seconds=20, cpus="1")
    assert argv == [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        "-c50",
        "-d20s",
        "--timeout=30s",
        "-s",
        str(LUA_SCRIPT),
        "http://127.0.0.1:1/graphql",
    ]
    assert wrk_argv("u", connections=5, duration_seconds=0.2)[:4] == ["wrk", "-t1", "-c5", "-d1s"]
