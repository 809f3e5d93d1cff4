"""All limits in one call: the first violation, measure mode, and the cost that was estimated."""

from __future__ import annotations

from graphql import build_ast_schema, parse

from router.limits import CostDirectives, LimitExceeded, LimitsSettings
from router.limits.checks import LimitReport
from tests.limits.support import limit_report

SDL = """
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
type Query { items(first: Int): [Item!]! @listSize(slicingArguments: ["first"]) item: Item }
type Item { id: ID! children: [Item!]! }
"""
SCHEMA = build_ast_schema(parse(SDL))
DIRECTIVES = CostDirectives.from_sdl(SDL)


def run(query: str, settings: LimitsSettings) -> LimitReport:
    return limit_report(
        parse(query), None, None, settings=settings, schema=SCHEMA, cost_directives=DIRECTIVES
    )


def test_within_all_limits_reports_the_cost() -> None:
    # items(first: 3): 3 * (Item 1 + children 5 (the default list size) * 1)
    assert run("{ items(first: 3) { id children { id } } }", LimitsSettings()) == LimitReport(
        None, 18.0
    )


def test_structural_limits_come_first() -> None:
    report = run("{ a: item { id } b: item { id } }", LimitsSettings(max_aliases=1, max_cost=1))
    assert report == LimitReport(
        LimitExceeded(
            "MAX_ALIASES_EXCEEDED", "The operation uses 2 aliases, more than the limit 1.", 2, 1
        ),
        None,
    )


def test_cost_enforced_or_measured() -> None:
    query = "{ items(first: 50) { id } }"
    enforced = run(query, LimitsSettings(max_cost=49))
    assert enforced.violation is not None
    assert (enforced.violation.code, enforced.estimated_cost) == (
        "COST_ESTIMATED_TOO_EXPENSIVE",
        50.0,
    )
    assert run(query, LimitsSettings(max_cost=49, cost_mode="measure")) == LimitReport(None, 50.0)
    missing_slice = run("{ items { id } }", LimitsSettings())
    assert missing_slice.violation is not None
    assert missing_slice.violation.code == "COST_QUERY_PARSE_FAILURE"
