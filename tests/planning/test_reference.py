"""Cross-check with Apollo's query planner: never more fetches than the reference.

Runs ``@apollo/query-planner`` (pinned) under Node.js on the fixture supergraphs and the
benchmark operation (/work/shared/benchmark/query.graphql, mirrored in fixtures/benchmark.operation.graphql).
Skipped when Node.js is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from router.planning import plan_operation, plan_to_json
from tests.planning.helpers import FIXTURES, fixture
from tests.planning.reference_support import count_fetches, reference_plan

pytestmark = pytest.mark.node

BENCHMARK = (Path(__file__).parent / "fixtures" / "benchmark.operation.graphql").read_text()

CASES = [
    ("bench", BENCHMARK),
    ("bench", "{ topProducts { name shippingEstimate inStock reviews { body } } }"),
    ("bench", "{ users { reviews { author { username name } product { shippingEstimate } } } }"),
]


@pytest.mark.parametrize(("name", "operation"), CASES)
def test_no_more_fetches_than_apollo(name: str, operation: str) -> None:
    sdl = (FIXTURES / f"{name}.graphql").read_text()
    reference = reference_plan(sdl, operation)
    ours = plan_to_json(plan_operation(fixture(name), parse(operation), None))
    assert count_fetches(ours) <= count_fetches(reference["json"]), reference["text"]


def test_benchmark_operation_needs_13_fetches_where_apollo_needs_16() -> None:
    sdl = (FIXTURES / "bench.graphql").read_text()
    reference = reference_plan(sdl, BENCHMARK)
    ours = plan_to_json(plan_operation(fixture("bench"), parse(BENCHMARK), None))
    assert (count_fetches(ours), count_fetches(reference["json"])) == (13, 16)
