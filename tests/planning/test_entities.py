"""Entity jumps: root fields grouped per subgraph, ``_entities`` fetches by ``@key``."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation
from router.planning.plan import (
    FetchNode,
    FlattenNode,
    RequiresField,
    RequiresInlineFragment,
    SequenceNode,
)
from tests.planning.helpers import assert_plan, fixture


def test_root_fields_of_one_subgraph_share_a_fetch() -> None:
    operation = """
        {
          me { id name }
          users { username }
        }
    """
    expected = """
        QueryPlan {
          Fetch(service: "accounts") {
            {
              me {
                id
                name
              }
              users {
                username
              }
            }
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_root_fields_of_two_subgraphs_run_in_parallel() -> None:
    operation = """
        {
          me { name }
          topProducts(first: 2) { upc }
        }
    """
    expected = """
        QueryPlan {
          Parallel {
            Fetch(service: "accounts") {
              {
                me {
                  name
                }
              }
            },
            Fetch(service: "products") {
              {
                topProducts(first: 2) {
                  upc
                }
              }
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_entity_jump_adds_typename_and_key_to_parent_fetch() -> None:
    operation = """
        {
          topProducts {
            name
            reviews { body }
          }
        }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  name
                  upc
                }
              }
            },
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
                    reviews {
                      body
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_nested_jumps_chain_in_a_sequence() -> None:
    operation = """
        {
          users {
            name
            reviews { body product { name } }
          }
        }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                users {
                  __typename
                  name
                  id
                }
              }
            },
            Flatten(path: "users.@") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      body
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "users.@.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    name
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_nothing_to_fetch_for_typename_and_introspection() -> None:
    operation = """
        { __typename __schema { queryType { name } } }
    """
    expected = """
        QueryPlan {}
    """
    assert_plan("bench", operation, expected)


def test_fetch_operations_are_the_exact_subgraph_documents() -> None:
    document = parse(
        "query Top($n: Int = 3, $unused: Int) { topProducts(first: $n) { reviews { id } } }"
    )
    plan = plan_operation(fixture("bench"), document, "Top")
    assert plan.node == SequenceNode(
        (
            FetchNode(
                service_name="products",
                operation=(
                    "query Top__products__0($n: Int = 3) {\n"
                    "  topProducts(first: $n) {\n"
                    "    __typename\n"
                    "    upc\n"
                    "  }\n"
                    "}"
                ),
                operation_name="Top__products__0",
                variable_usages=("n",),
            ),
            FlattenNode(
                ("topProducts", "@"),
                FetchNode(
                    service_name="reviews",
                    operation=(
                        "query Top__reviews__1($representations: [_Any!]!) {\n"
                        "  _entities(representations: $representations) {\n"
                        "    ... on Product {\n"
                        "      reviews {\n"
                        "        id\n"
                        "      }\n"
                        "    }\n"
                        "  }\n"
                        "}"
                    ),
                    operation_name="Top__reviews__1",
                    requires=(
                        RequiresInlineFragment(
                            "Product", (RequiresField("__typename"), RequiresField("upc"))
                        ),
                    ),
                ),
            ),
        )
    )
