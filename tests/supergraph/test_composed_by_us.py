"""Supergraphs from our own composition (router.composition) load and plan like Apollo's."""

from __future__ import annotations

import pytest
from graphql import parse

from router.composition import SubgraphInput, compose
from router.planning import plan_operation, print_plan
from router.supergraph import load_supergraph
from tests.planning.helpers import FIXTURES, fixture
from tests.planning.reference.compose_fixture import read_subgraphs

CASES = [
    ("bench", "{ users { name reviews { body product { name shippingEstimate } } } }"),
    ("shop", '{ search(term: "x") { ... on Book { title pages } ... on Movie { director } } }'),
    ("iface", "{ topMedia { rating title ... on Book { author } } library { reviews } }"),
    ("keys", "{ currentSession { user { inbox name account { balance history } } } }"),
    ("requires", "{ orders { total shippingCost subtotal heaviest } }"),
    ("mutations", 'mutation { createUser(name: "a") { reviews { body } } deleteUser(id: "1") }'),
    ("zoo", "{ featured { id pets { id name ... on Cat { age } } } }"),
]


@pytest.mark.parametrize(("name", "operation"), CASES)
def test_our_supergraph_plans_like_apollos_composition(name: str, operation: str) -> None:
    subgraphs = read_subgraphs(FIXTURES / f"{name}.subgraphs.graphql")
    result = compose([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs])
    assert result.errors == ()
    assert result.supergraph_sdl is not None
    ours = load_supergraph(result.supergraph_sdl)
    document = parse(operation)
    assert print_plan(plan_operation(ours, document, None)) == print_plan(
        plan_operation(fixture(name), document, None)
    )
