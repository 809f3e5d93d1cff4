"""The default limits admit the benchmark operation (/work/shared/benchmark/query.graphql,
committed once as benchmarks/workload/query.graphql) on the platform's API shape (the registered subgraph SDLs of
accounts, products, inventory and reviews merged by hand: only the fields the query touches),
and refuse a query one list level deeper than that budget allows."""

from __future__ import annotations

from graphql import build_ast_schema, parse, validate

from benchmarks.workload import QUERY_PATH
from router.limits import CostDirectives, LimitsSettings
from router.limits.checks import LimitReport
from tests.limits.support import estimate_cost, limit_report

BENCHMARK_QUERY = parse(QUERY_PATH.read_text())
API_SDL = """
type Query {
  users(first: Int, after: ID): [User!]!
  topProducts(first: Int = 5): [Product]
}
type User { id: ID! name: String! username: String! email: String! reviews: [Review!]! }
type Review { id: ID! body: String! rating: Int! author: User product: Product }
type Product {
  upc: String! name: String! price: Int! weight: Int!
  inStock: Boolean! shippingEstimate: Int reviews: [Review!]!
}
"""
SCHEMA = build_ast_schema(parse(API_SDL))


def test_the_benchmark_query_passes_every_default_limit() -> None:
    assert validate(SCHEMA, BENCHMARK_QUERY) == []
    defaults = LimitsSettings()
    report = limit_report(
        BENCHMARK_QUERY,
        "TestQuery",
        None,
        settings=defaults,
        schema=SCHEMA,
        cost_directives=CostDirectives(),
    )
    # n = default list size 5: users n*(1 + n*(1 + product(1 + n*(1 + author(1 + n*(1 + 1))))))
    # + topProducts n*(1 + n*(1 + author(1 + n*(1 + 1))))
    assert report == LimitReport(None, 1555.0 + 305.0)
    assert report.estimated_cost is not None
    assert report.estimated_cost <= defaults.max_cost / 2  # headroom for bigger lists


def test_one_more_nested_list_level_exceeds_the_default_cost() -> None:
    deeper = parse(
        "{ users { reviews { product { reviews { author { reviews { product { reviews {"
        " author { id } } } } } } } } } }"
    )
    cost = estimate_cost(SCHEMA, CostDirectives(), deeper, default_list_size=5)
    assert cost > LimitsSettings().max_cost
