"""Cross-check with Apollo's query planner: never more fetches than the reference.

Runs ``@apollo/query-planner`` (pinned in reference/package.json) under Node.js on every fixture
supergraph and the benchmark operation (/work/shared/benchmark/query.graphql, committed once as
benchmarks/workload/query.graphql). Skipped when Node.js is absent.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from benchmarks.workload import QUERY_PATH
from router.planning import plan_operation, plan_to_json
from tests.planning.helpers import FIXTURES, fixture
from tests.planning.reference_support import count_fetches, run_reference

pytestmark = pytest.mark.node

BENCHMARK = QUERY_PATH.read_text()

CASES: dict[str, list[str]] = {
    "bench": [
        BENCHMARK,
        "{ topProducts { name shippingEstimate inStock reviews { body } } }",
        "{ users { reviews { author { username name } product { shippingEstimate } } } }",
        "query($a: Boolean!) { topProducts { name reviews @include(if: $a) { body } } }",
        "{ topProducts { upc: name reviews { id } } }",
    ],
    "shop": [
        "{ products { name rating } }",
        "{ products { id name price discount stock } }",
        '{ search(term: "x") { ... on Book { title pages } ... on Movie { title director } } }',
        "{ media { __typename ... on Book { isbn } ... on Movie { title } ... on Song { length } } }",
        "{ nodes { id ... on Book { pages } ... on Movie { director } } }",
        '{ search(term: "a") { ... on Book { title } } media { ... on Book { title } } }',
    ],
    "iface": [
        "{ library { title reviews } }",
        "{ topMedia { rating title ... on Book { author } } }",
        "{ library { ... on Book { reviews author } } }",
    ],
    "keys": [
        "{ currentSession { user { inbox name account { balance history } } } }",
        '{ user(id: "1") { account { balance history } } }',
    ],
    "requires": [
        "{ orders { total } }",
        "{ orders { total shippingCost items { sku } } }",
        "{ orders { heaviest } }",
    ],
    "mutations": [
        'mutation { a: createUser(name: "x") { id reviews { body } } deleteUser(id: "2") }',
    ],
    "feed": [
        "{ feed { id createdAt } }",
        "{ gallery { id ... on ImagePost { url createdAt } } }",
    ],
    "values": [
        "{ store { name address } }",
        "{ books { title stats { views sales } } }",
    ],
    "zoo": [
        "{ featured { id pets { id name ... on Cat { age } } } }",
        "{ featured { id pets { id name } } }",
    ],
    "fed1": [
        "{ me { reviews { body author { username name } product { name shippingEstimate } } } }",
    ],
}


@pytest.fixture(scope="module")
def apollo_plans() -> dict[str, list[dict[str, Any]]]:
    """Apollo's plans for every case, from one Node.js run."""
    names = sorted(CASES)
    batch = [
        {"supergraphSdl": (FIXTURES / f"{name}.graphql").read_text(), "operations": CASES[name]}
        for name in names
    ]
    answers = run_reference({"batch": batch})["batch"]
    return {name: answer["plans"] for name, answer in zip(names, answers, strict=True)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_more_fetches_than_apollo(
    name: str, apollo_plans: dict[str, list[dict[str, Any]]]
) -> None:
    for operation, theirs in zip(CASES[name], apollo_plans[name], strict=True):
        ours = plan_to_json(plan_operation(fixture(name), parse(operation), None))
        assert count_fetches(ours) <= count_fetches(theirs["json"]), (operation, theirs["text"])


def test_benchmark_operation_needs_11_fetches_where_apollo_needs_16(
    apollo_plans: dict[str, list[dict[str, Any]]],
) -> None:
    theirs = apollo_plans["bench"][0]
    ours = plan_to_json(plan_operation(fixture("bench"), parse(BENCHMARK), None))
    assert (count_fetches(ours), count_fetches(theirs["json"])) == (11, 16)
