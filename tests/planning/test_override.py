"""``@override``: the overriding subgraph resolves the field; progressive labels switch per request."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_overridden_field_is_fetched_from_the_overriding_subgraph() -> None:
    operation = """
        { products { name price } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                products {
                  __typename
                  name
                  id
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "pricing") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    price
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_progressive_override_label_disabled_keeps_the_original_subgraph() -> None:
    operation = """
        { products { stock } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "catalog") {
            {
              products {
                stock
              }
            }
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_progressive_override_label_enabled_moves_the_field() -> None:
    operation = """
        { products { stock } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "media") {
            {
              products {
                stock
              }
            }
          },
        }
    """
    assert_plan("shop", operation, expected, labels=frozenset(["percent(25)"]))
