"""``@requires``: required fields fetched before the dependent fetch and sent in the representation."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_requires_fields_come_from_the_parent_fetch() -> None:
    operation = """
        {
          topProducts { shippingEstimate }
        }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price
                  weight
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
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_requires_fields_fetched_by_an_extra_jump_first() -> None:
    """price/weight live in products: products runs before inventory, which needs both."""
    operation = """
        {
          users {
            reviews {
              product { inStock shippingEstimate }
            }
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
                    price
                    weight
                  }
                }
              },
            },
            Flatten(path: "users.@.reviews.@.product") {
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
