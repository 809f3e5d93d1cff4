"""Aliases: fetches keep client response keys; planner fields dodge client aliases."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation
from router.planning.plan import (
    FlattenNode,
    KeyRenamer,
    RequiresField,
    RequiresInlineFragment,
    SequenceNode,
)
from tests.planning.helpers import assert_plan, fixture


def test_aliases_are_kept_in_every_fetch() -> None:
    operation = """
        { top: topProducts(first: 1) { n: name r: reviews { b: body } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                top: topProducts(first: 1) {
                  __typename
                  n: name
                  upc
                }
              }
            },
            Flatten(path: "top.@") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    r: reviews {
                      b: body
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_same_field_twice_with_different_arguments() -> None:
    operation = """
        { one: topProducts(first: 1) { name } two: topProducts(first: 2) { name inStock } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                one: topProducts(first: 1) {
                  name
                }
                two: topProducts(first: 2) {
                  __typename
                  name
                  upc
                }
              }
            },
            Flatten(path: "two.@") {
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
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_key_field_colliding_with_a_client_alias_is_aliased() -> None:
    """The representation reads upc__planner; an input KeyRenamer sends it as upc."""
    operation = """
        { topProducts { upc: name reviews { id } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc: name
                  upc__planner: upc
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    upc__planner
                  }
                } =>
                {
                  ... on Product {
                    reviews {
                      id
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_requires_fields_colliding_with_client_aliases_are_aliased() -> None:
    operation = """
        { topProducts { price: name weight: upc shippingEstimate } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  price: name
                  weight: upc
                  upc
                  price__planner: price
                  weight__planner: weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price__planner
                    weight__planner
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_aliased_key_field_is_renamed_back_in_the_representation() -> None:
    plan = plan_operation(
        fixture("bench"), parse("{ topProducts { upc: name reviews { id } } }"), None
    )
    assert isinstance(plan.node, SequenceNode)
    flatten = plan.node.nodes[1]
    assert isinstance(flatten, FlattenNode)
    assert flatten.node.requires == (
        RequiresInlineFragment(
            "Product", (RequiresField("__typename"), RequiresField("upc__planner"))
        ),
    )
    assert flatten.node.input_rewrites == (KeyRenamer(("... on Product", "upc__planner"), "upc"),)
