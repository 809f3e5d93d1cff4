"""The pre-scan (issue #11, cheap rejection): its token count is graphql-core's (the reference:
``parse(max_tokens=n)`` accepts a document iff it has at most ``n`` tokens), its structural
measures never exceed the full analysis's (so refusing on them never refuses a document the
analysis accepts), and a refusal costs a fraction of what graphql-core's parser spends reaching
the same limit (before the scan, every refusal by tokens or merge comparisons went through it:
10-25 ms of CPU on the router's event loop)."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

import pytest
from graphql import GraphQLSyntaxError, get_introspection_query, parse

from benchmarks.rejection_documents import rejected_documents
from benchmarks.workload import QUERY_PATH
from router.limits.scan import ScannedOperation, check_scan, scan_document
from router.limits.settings import LimitsSettings
from tests.limits.support import measure

CORPUS = {
    "benchmark query": QUERY_PATH.read_text(),
    "introspection": get_introspection_query(descriptions=True),
    "comments and commas": "# a comment\n{ a, b # another\n c(x: 1,) }\n# last",
    "strings": '{ a(s: "x \\" { } ( ", t: """block "" \\""" { ( """) @d(u: "}") }',
    "numbers and lists": "{ a(x: -1.5e3, y: [1, 2, {k: [3]}], z: 0) { b } }",
    "byte order mark": "\ufeff{ a }",
    "variables": "query Q($a: Int = 1, $b: [In!]! @dir(x: 2), $c: I = {k: [1]}) { f(a: $a) }",
    "aliases and duplicates": "{ x: a y: a a a(k: 1) b { c c } }",
    "fragments": "query { ...F a { ...G } } fragment F on Query { a { b } } fragment G on A { b }",
    "inline fragments": "{ a { ... on A { b b } ... @include(if: true) { b c: d } ... { e } } }",
    "introspection depth": "{ __schema { types { fields { type { name } } } } a { b } }",
    "two operations": "query A { a { b { c } } } mutation B($x: Int) { m(x: $x) { n } }",
    "subscription": "subscription S { s { t } }",
}


def graphql_core_tokens(document: str) -> int:
    """The smallest ``max_tokens`` graphql-core parses ``document`` with."""
    low, high = 0, 100_000
    while low < high:
        middle = (low + high) // 2
        try:
            parse(document, max_tokens=middle)
        except GraphQLSyntaxError:
            low = middle + 1
        else:
            high = middle
    return low


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_tokens_are_counted_as_graphql_core_counts_them(name: str) -> None:
    document = CORPUS[name]
    assert scan_document(document, 100_000).tokens == graphql_core_tokens(document)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_scan_never_measures_more_than_the_analysis(name: str) -> None:
    document = CORPUS[name]
    scan = scan_document(document, 100_000)
    analysis = [measure(parse(document), name) for name in _operation_names(document)]
    assert len(scan.operations) == len(analysis)
    for scanned, full in zip(scan.operations, analysis, strict=True):
        assert full is not None
        assert scanned.depth <= full.depth
        assert scanned.aliases <= full.aliases
        assert scanned.root_fields <= full.root_fields
        assert scanned.variable_definitions == full.variable_definitions


def _operation_names(document: str) -> list[str | None]:
    parsed = parse(document)
    return [
        getattr(getattr(d, "name", None), "value", None)
        for d in parsed.definitions
        if d.kind == "operation_definition"
    ]


def test_measures_of_a_known_document() -> None:
    document = (
        "query Q($a: Int, $b: Int) { x: f(a: $a) { g g h: g } y: f { ... on F { g k } } "
        "__schema { types { name } } } fragment Z on F { g g g }"
    )
    scan = scan_document(document, 100_000)
    # 58 tokens (commas are ignored); depth: f { g } is 2, __schema one level whatever it
    # selects; aliases x, y, h; root fields x, y, __schema. Merge comparisons:
    # { g g h: g } has g twice (1 pair), y's set has g and k (none), Z's has g three times (3)
    assert (scan.tokens, scan.over_token_limit, scan.operations, scan.merge_comparisons) == (
        58,
        False,
        [ScannedOperation(depth=2, aliases=3, root_fields=3, variable_definitions=2)],
        4,
    )


def test_the_token_count_stops_one_past_the_limit() -> None:
    document = "{ " + "a " * 10_000 + "}"
    scan = scan_document(document, 100)
    assert (scan.tokens, scan.over_token_limit, scan.operations) == (101, True, [])


def test_syntax_errors_end_the_walk_and_leave_them_to_graphql_core() -> None:
    assert check_scan("{ a b c } ~ { a a a a a }", LimitsSettings(max_merge_comparisons=0)) is None
    assert check_scan("type T { a: Int b: Int }", LimitsSettings(max_aliases=0)) is None


def _median_cpu(run: Callable[[], object], times: int = 5) -> float:
    samples = []
    for _ in range(times):
        started = time.process_time()
        run()
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def _parse_to_the_limit(document: str, settings: LimitsSettings) -> None:
    with contextlib.suppress(GraphQLSyntaxError):
        parse(document, max_tokens=settings.max_tokens)


@pytest.mark.parametrize(
    "name", ["5,000 aliases (60 KiB)", "1,000 duplicate fields", "500 unused variables"]
)
def test_a_refusal_costs_a_fraction_of_parsing_to_the_limit(name: str) -> None:
    """CPU time, each measured against a baseline in the same run (robust to the shared
    machine's load): the refusal was graphql-core's parse (and then the analysis)."""
    settings = LimitsSettings()
    document = rejected_documents()[name]
    refusal = _median_cpu(lambda: check_scan(document, settings))
    parsing = _median_cpu(lambda: _parse_to_the_limit(document, settings))
    assert check_scan(document, settings) is not None
    assert refusal < parsing / 3, (refusal, parsing)


def test_trailing_ignored_characters_are_scanned_once() -> None:
    """A 60 KB tail of spaces took the first scanner minutes (it rescanned the tail from every
    position); now a small fraction of parsing the same document."""
    document = "{ a }" + " " * 60_000
    scan = _median_cpu(lambda: scan_document(document, 2_000))
    parsing = _median_cpu(lambda: parse(document))
    assert scan_document(document, 2_000).tokens == 3
    assert scan < parsing + 0.01, (scan, parsing)
