from __future__ import annotations

from benchmarks.report import aggregate, format_table, ratios, scale_per_round
from benchmarks.runner import Measurement, round_order
from benchmarks.wrkrun import WrkResult


def wrk(requests: int, p50: float = 10.0, p99: float = 50.0, wrong: int = 0) -> WrkResult:
    return WrkResult(
        requests=requests,
        duration_seconds=10.0,
        socket_errors=0,
        non_2xx=0,
        timeouts=0,
        wrong_bodies=wrong,
        checked_bodies=requests,
        p50_ms=p50,
        p99_ms=p99,
        p90_ms=p50,
        max_ms=p99,
    )


def measured(
    gateway: str, round_: int, requests: int, cpu: float = 50.0, **kwargs: float
) -> Measurement:
    return Measurement(
        gateway,
        round_,
        0,
        wrk=wrk(requests, **kwargs),  # type: ignore[arg-type]
        verified_before=True,
        verified_after=True,
        rss_peak_bytes=100 * 2**20,
        gateway_cpu_percent=cpu,
    )


def test_round_order_alternates() -> None:
    assert round_order(["a", "b", "c"], 0) == ["a", "b", "c"]
    assert round_order(["a", "b", "c"], 1) == ["c", "b", "a"]
    assert round_order(["a", "b", "c"], 2) == ["a", "b", "c"]


def test_aggregate_takes_medians_and_sums_errors() -> None:
    runs = [
        measured("router", 0, 1000, p50=10, p99=100),
        measured("router", 1, 2000, p50=30, p99=300),
        measured("router", 2, 4000, p50=20, p99=200),
        Measurement(
            "apollo", 0, 1, wrk=wrk(500, wrong=3), verified_before=True, verified_after=False
        ),
        Measurement("apollo", 1, 1, problem="did not start"),
    ]
    router, apollo = aggregate(runs)
    assert router.gateway == "router"
    assert router.requests_per_second == 200.0
    assert (router.p50_ms, router.p99_ms) == (20, 200)
    assert router.requests == 7000
    assert router.errors == 0
    assert router.rss_peak_mb == 100
    assert apollo.rounds == 2
    # 3 wrong bodies + a failed check after the run + a run that never verified.
    assert apollo.errors == 3 + 1 + 1
    assert apollo.problems == ("did not start",)


def test_ratios_are_per_round_then_median() -> None:
    runs = [
        measured("router", 0, 1000),
        measured("apollo", 0, 500),
        measured("router", 1, 1200),
        measured("apollo", 1, 400),
        measured("router", 2, 900),
        measured("apollo", 2, 900),
        measured("router-dedupe", 0, 3000),
        measured("hive-dedupe", 0, 1500),
    ]
    found = {(r.ours, r.reference): r for r in ratios(runs)}
    assert set(found) == {("router", "apollo"), ("router-dedupe", "hive-dedupe")}
    assert found["router", "apollo"].per_round == (2.0, 3.0, 1.0)
    assert found["router", "apollo"].median == 2.0
    assert found["router-dedupe", "hive-dedupe"].per_round == (2.0,)
    # Same CPU share, twice the requests: half the CPU per request, so theirs ÷ ours is 2.
    assert found["router-dedupe", "hive-dedupe"].cpu_per_round == (2.0,)


def test_a_baseline_router_is_compared_with_the_same_mode_only() -> None:
    runs = [
        measured("router-nodedup", 0, 2000),
        measured("router-nodedup@base", 0, 500),
        measured("router", 0, 3000),
        measured("router@base", 0, 1000),
        measured("apollo", 0, 400),
    ]
    found = {(r.ours, r.reference): r.per_round for r in ratios(runs)}
    assert found == {
        ("router-nodedup", "apollo"): (5.0,),
        ("router-nodedup", "router-nodedup@base"): (4.0,),
        ("router", "router@base"): (3.0,),
        ("router", "apollo"): (7.5,),
    }


def test_cpu_per_request() -> None:
    # 50% of a core for 10 s = 5 s of CPU over 1,000 requests.
    assert measured("router", 0, 1000, cpu=50.0).cpu_ms_per_request == 5.0
    assert Measurement("router", 0, 0).cpu_ms_per_request == 0.0


def test_a_run_that_failed_verification_gives_no_ratio() -> None:
    runs = [
        measured("router", 0, 1000),
        Measurement("apollo", 0, 1, wrk=wrk(500), verified_before=False),
    ]
    assert ratios(runs) == []


def test_format_table_has_a_row_per_gateway_and_the_ratios() -> None:
    runs = [measured("router", 0, 1500, p50=25, p99=1200), measured("hive", 0, 750, cpu=75.0)]
    table = format_table(aggregate(runs), ratios(runs))
    lines = table.splitlines()
    assert lines[2] == (
        "| router (ours) | 150.0 | 25 ms | 1.20 s | 0 / 1,500 | 100 MB | 50% | 3.3 ms | 0% |"
    )
    assert lines[3] == (
        "| Hive Gateway 2.15 | 75.0 | 10 ms | 50 ms | 0 / 750 | 100 MB | 75% | 10 ms | 0% |"
    )
    assert lines[-1] == "| router ÷ hive | 2.00x | 2.00 | 3.00x |"


def test_a_gateway_that_never_ran_has_no_figures_and_one_error() -> None:
    (row,) = aggregate([Measurement("apollo", 0, 0, problem="did not start")])
    assert (row.requests_per_second, row.requests, row.errors) == (0.0, 0, 1)
    assert row.problems == ("did not start",)
    table = format_table([row], []).splitlines()
    assert table[2] == "| Apollo Gateway 2.14 | not measured | | | 1 / 0 | | | | |"
    assert table[-1] == "- apollo: did not start"


def test_saved_measurements_round_trip_into_the_same_table() -> None:
    import json

    from benchmarks.report import measurements_from_json

    runs = [
        measured("router", 0, 1500, p50=25, p99=1200),
        measured("hive", 0, 750, cpu=75.0),
        Measurement("apollo", 0, 2, problem="did not start"),
    ]
    saved = json.loads(json.dumps({"measurements": [m.to_json() for m in runs]}))
    loaded = measurements_from_json(saved)
    assert loaded == runs
    assert format_table(aggregate(loaded), ratios(loaded)) == format_table(
        aggregate(runs), ratios(runs)
    )


def test_worker_scaling_is_per_round_over_verified_pairs_only() -> None:
    wrong_under_load = measured("bff-web-2w", 2, 3000)
    wrong_under_load.problem = "3 wrong bodies under load"
    unverified = measured("bff-web-2w", 3, 3000)
    unverified.verified_after = False
    runs = [
        measured("bff-web-1w", 0, 1000),
        measured("bff-web-2w", 0, 1800),
        measured("bff-web-2w", 1, 2000),
        measured("bff-web-1w", 1, 1000),
        measured("bff-web-1w", 2, 1000),
        wrong_under_load,
        measured("bff-web-1w", 3, 1000),
        unverified,
        measured("bff-web-2w", 4, 2000),  # no 1-worker figure in that round
        measured("bff-mobile-2w", 0, 5000),
    ]
    assert scale_per_round(runs, "bff-web-1w", "bff-web-2w") == [1.8, 2.0]
