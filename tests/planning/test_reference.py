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
from router.planning import PlanningError, plan_operation, plan_to_json
from router.supergraph import load_supergraph
from tests.planning.helpers import FIXTURES, fixture
from tests.planning.plan_cases import planner_test_cases
from tests.planning.reference_support import count_fetches, count_steps, run_reference

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


def _quality_cases() -> list[tuple[str, str, str, str | None]]:
    """(label, supergraph SDL, operation, operation name): the planner tests' operations and
    the fixture cases above (the benchmark included)."""
    cases = [
        (case.test, case.supergraph_sdl, case.operation, case.operation_name)
        for case in planner_test_cases()
    ]
    for name in sorted(CASES):
        sdl = (FIXTURES / f"{name}.graphql").read_text()
        cases.extend((f"fixture {name}", sdl, operation, None) for operation in CASES[name])
    return cases


def plan_quality() -> list[tuple[str, str, tuple[int, int], tuple[int, int]]]:
    """Per operation: (label, operation, (our fetches, steps), (Apollo's fetches, steps)).
    Operations Apollo's planner refuses, or a planner test expects ours to refuse, are left
    out (nothing to compare)."""
    cases = _quality_cases()
    by_sdl: dict[str, list[int]] = {}
    for index, (_, sdl, _, _) in enumerate(cases):
        by_sdl.setdefault(sdl, []).append(index)
    batch = [
        {"supergraphSdl": sdl, "operations": [cases[i][2] for i in indexes]}
        for sdl, indexes in by_sdl.items()
    ]
    answers = run_reference({"batch": batch})["batch"]
    theirs: dict[int, dict[str, Any]] = {}
    for indexes, answer in zip(by_sdl.values(), answers, strict=True):
        theirs.update(zip(indexes, answer["plans"], strict=True))
    rows = []
    for index, (label, sdl, operation, name) in enumerate(cases):
        if "errors" in theirs[index]:
            continue
        try:
            ours = plan_to_json(plan_operation(load_supergraph(sdl), parse(operation), name))
        except PlanningError:
            continue  # refused on purpose by a planner test (pytest.raises there)
        reference = theirs[index]["json"]
        rows.append(
            (
                label,
                operation,
                (count_fetches(ours), count_steps(ours)),
                (count_fetches(reference), count_steps(reference)),
            )
        )
    return rows


KNOWN_WORSE = {
    # re-entry at `book` in b runs after a's fetch: one step more than Apollo (4 vs 3)
    "test_regressions::test_key_fields_of_a_value_type_come_from_the_enclosing_entity_not_the_"
    "fetch_needing_them": ((4, 4), (4, 3)),
    # one representation shape per @requires argument set: one fetch more than Apollo (3 vs 2)
    "test_regressions::test_two_requires_of_one_field_with_different_arguments_use_separate_"
    "representations": ((3, 2), (2, 2)),
}
"""Operations where the planner is still worse than Apollo's (measured; to be fixed)."""


def test_no_more_fetches_nor_steps_than_apollo_on_every_planner_test_operation() -> None:
    rows = plan_quality()
    worse = {
        row[0]: (row[2], row[3]) for row in rows if row[2][0] > row[3][0] or row[2][1] > row[3][1]
    }
    assert worse == KNOWN_WORSE
    assert len(rows) >= 100  # the planner tests and fixture cases (not a silently empty list)
