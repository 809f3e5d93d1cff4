"""Variables: each fetch declares only the variables it uses, with the client's definitions."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation
from router.planning.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from tests.planning.helpers import assert_plan, fixture


def test_variables_go_to_the_fetch_using_them() -> None:
    operation = """
        query($n: Int = 2, $skip: Boolean = false) { topProducts(first: $n) { name reviews @skip(if: $skip) { body } } me { name } }
    """
    expected = """
        QueryPlan {
          Parallel {
            Sequence {
              Fetch(service: "products") {
                {
                  topProducts(first: $n) {
                    __typename
                    name
                    upc
                  }
                }
              },
              Skip(if: $skip) {
                Flatten(path: "topProducts.@") {
                  Fetch(service: "reviews") {
                    {
                      ... on Product {
                        __typename
                        upc
                      }
                    } =>
                    {
                      ... on Product {
                        reviews @skip(if: $skip) {
                          body
                        }
                      }
                    }
                  },
                }
              },
            },
            Fetch(service: "accounts") {
              {
                me {
                  name
                }
              }
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def _fetches(node: PlanNode | None) -> list[FetchNode]:
    match node:
        case FetchNode():
            return [node]
        case FlattenNode(node=inner):
            return [inner]
        case SequenceNode(nodes=nodes) | ParallelNode(nodes=nodes):
            return [fetch for child in nodes for fetch in _fetches(child)]
        case ConditionNode(if_clause=then, else_clause=otherwise):
            return _fetches(then) + _fetches(otherwise)
    return []


def test_each_fetch_declares_only_its_variables_with_defaults() -> None:
    document = parse(
        "query Q($n: Int = 2, $skip: Boolean = false, $unused: String) {"
        " topProducts(first: $n) { name reviews @skip(if: $skip) { body } } me { name } }"
    )
    plan = plan_operation(fixture("bench"), document, None)
    headers = [
        (f.service_name, f.operation.split(" {", 1)[0], f.variable_usages)
        for f in _fetches(plan.node)
    ]
    assert headers == [
        ("products", "query Q__products__0($n: Int = 2)", ("n",)),
        (
            "reviews",
            "query Q__reviews__1($representations: [_Any!]!, $skip: Boolean = false)",
            ("skip",),
        ),
        ("accounts", "query Q__accounts__2", ()),
    ]


def test_enum_and_input_variables_keep_their_client_definitions() -> None:
    document = parse(
        "query Q($f: Filter, $c: Color = GREEN) {"
        " items(filter: $f) { name createdAt } byColor(color: $c) { id } }"
    )
    plan = plan_operation(fixture("api"), document, None)
    assert [f.operation.split(" {", 1)[0] for f in _fetches(plan.node)] == [
        "query Q__one__0($f: Filter, $c: Color = GREEN)",
        "query Q__two__1($representations: [_Any!]!)",
    ]
