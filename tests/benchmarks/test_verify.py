from __future__ import annotations

from benchmarks.verify import first_difference


def test_equal_values_have_no_difference() -> None:
    value = {"data": {"users": [{"id": "1", "reviews": [{"id": "2"}]}]}}
    assert (
        first_difference(value, {"data": {"users": [{"id": "1", "reviews": [{"id": "2"}]}]}})
        is None
    )


def test_differences_are_reported_with_their_json_path() -> None:
    expected = {"data": {"users": [{"id": "1", "price": 5}]}}
    assert first_difference({"data": {"users": [{"id": "1", "price": 6}]}}, expected) == (
        "$.data.users[0].price: 6 != expected 5"
    )
    assert (
        first_difference({"data": {"users": []}}, expected) == "$.data.users: 0 items, expected 1"
    )
    assert first_difference({"data": {}}, expected) == "$.data.users: missing"
    assert first_difference(
        {"data": {"users": [{"id": "1", "price": 5}]}, "errors": []}, expected
    ) == ("$: unexpected keys ['errors']")


def test_types_must_match_not_only_values() -> None:
    assert first_difference({"a": 1.0}, {"a": 1}) == "$.a: 1.0 != expected 1"
    assert first_difference({"a": True}, {"a": 1}) == "$.a: true != expected 1"
    assert first_difference({"a": None}, {"a": 0}) == "$.a: null != expected 0"


def test_a_kept_wrong_body_is_described_by_its_difference_and_first_error() -> None:
    from benchmarks.runner import describe_wrong_body

    expected = {"data": {"topProducts": [{"upc": "1"}]}}
    body = b'{"data":{"topProducts":null},"errors":[{"message":"Subgraph timed out","path":["topProducts"]}]}'
    assert describe_wrong_body(body, expected) == (
        '$.data.topProducts: null != expected [{"upc": "1"}]; first error: '
        '{"message": "Subgraph timed out", "path": ["topProducts"]}'
    )
    assert describe_wrong_body(b'{"data":{"topProducts":[{"upc":"1"}]}}', expected) == (
        "equal as JSON (bytes differ)"
    )
    assert describe_wrong_body(b"<html>", expected) == "not JSON: b'<html>'"


def test_startup_error_picks_the_telling_line_of_a_log_tail() -> None:
    from benchmarks.runner import startup_error

    message = (
        "apollo: process exited with 1 before http://127.0.0.1:1/graphql was ready\n"
        "--- log tail ---\n"
        "    at Object.err (/x/error.js:11:32)\n"
        "    GraphQLError: feature https://specs.apollo.dev/requiresScopes/v0.1 is for: SECURITY but is unsupported\n"
        "        at checkFeatureSupport (/x/supergraphs.js:66:71)\n"
    )
    assert startup_error(message) == (
        "GraphQLError: feature https://specs.apollo.dev/requiresScopes/v0.1 is for: SECURITY but is unsupported"
    )
    assert startup_error("timed out after 90 s") == "timed out after 90 s"


def test_a_failed_check_names_the_answers_graphql_errors() -> None:
    from benchmarks.verify import answer_errors

    answer = {
        "data": {"users": None},
        "errors": [
            {"message": "Subgraph timed out", "path": ["users"]},
            {"message": "b"},
            {"message": "c"},
            {"message": "d"},
        ],
    }
    assert answer_errors(answer) == (
        '4 error(s): {"message":"Subgraph timed out","path":["users"]}; {"message":"b"}; '
        '{"message":"c"} (+1 more)'
    )
    assert answer_errors({"data": {"users": None}}) is None
    assert answer_errors(["not", "an", "object"]) is None


def test_the_rust_runtime_runs_without_jit() -> None:
    """--jit replaces the router runtime's execute function: every root field answers null."""
    from pathlib import Path

    from benchmarks.gateways import GATEWAYS

    for name in ("hive-rust", "hive-rust-dedupe"):
        argv = GATEWAYS[name].argv(Path("s.graphql"), 1, Path("."))
        assert "--hive-router-runtime" in argv
        assert "--jit" not in argv
    for name in ("hive", "hive-dedupe"):
        argv = GATEWAYS[name].argv(Path("s.graphql"), 1, Path("."))
        assert "--jit" in argv
        assert "--hive-router-runtime" not in argv
