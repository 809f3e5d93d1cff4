"""``@skip``/``@include``: kept in fetches; a fetch that depends entirely on a variable is a Condition node."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation, plan_to_json
from tests.planning.helpers import assert_plan, fixture


def test_conditions_stay_on_fields_and_wrap_dependent_fetches() -> None:
    operation = """
        query($a: Boolean!, $b: Boolean!) { topProducts { name reviews @include(if: $a) { body } inStock @skip(if: $b) } }
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
            Parallel {
              Include(if: $a) {
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
                        reviews @include(if: $a) {
                          body
                        }
                      }
                    }
                  },
                }
              },
              Skip(if: $b) {
                Flatten(path: "topProducts.@") {
                  Fetch(service: "inventory") {
                    {
                      ... on Product {
                        __typename
                        upc
                      }
                    } =>
                    {
                      ... on Product {
                        inStock @skip(if: $b)
                      }
                    }
                  },
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_root_fetch_under_one_condition() -> None:
    operation = """
        query($a: Boolean!) { me @include(if: $a) { name } users @include(if: $a) { id } }
    """
    expected = """
        QueryPlan {
          Include(if: $a) {
            Fetch(service: "accounts") {
              {
                me @include(if: $a) {
                  name
                }
                users @include(if: $a) {
                  id
                }
              }
            }
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_literal_conditions_are_resolved_at_plan_time() -> None:
    operation = """
        { me @skip(if: true) { name } topProducts @include(if: true) { name reviews @include(if: false) { id } } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "products") {
            {
              topProducts {
                name
              }
            }
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_conditional_inline_fragment() -> None:
    operation = """
        query($a: Boolean!) { topProducts { name ... @include(if: $a) { inStock } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  name
                  ... @include(if: $a) {
                    __typename
                    upc
                  }
                }
              }
            },
            Include(if: $a) {
              Flatten(path: "topProducts.@") {
                Fetch(service: "inventory") {
                  {
                    ... on Product {
                      __typename
                      upc
                    }
                  } =>
                  {
                    ... on Product {
                      inStock
                    }
                  }
                },
              }
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_one_fetch_reached_from_opposite_conditions_gets_keys_in_both() -> None:
    """Key and @requires fields are selected under both fragments, so either branch can build representations."""
    operation = """
        query($a: Boolean!) { topProducts { ... @include(if: $a) { inStock } ... @skip(if: $a) { shippingEstimate } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  ... @include(if: $a) {
                    __typename
                    upc
                    price
                    weight
                  }
                  ... @skip(if: $a) {
                    __typename
                    upc
                    price
                    weight
                  }
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
                  }
                } =>
                {
                  ... on Product {
                    inStock
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_condition_nodes_in_json_have_only_their_branch() -> None:
    document = parse("query($a: Boolean!) { topProducts { reviews @skip(if: $a) { body } } }")
    plan = plan_to_json(plan_operation(fixture("bench"), document, None))
    condition = plan["node"]["nodes"][1]
    assert (condition["kind"], condition["condition"], sorted(condition)) == (
        "Condition",
        "a",
        ["condition", "elseClause", "kind"],
    )
    assert condition["elseClause"]["kind"] == "Flatten"
