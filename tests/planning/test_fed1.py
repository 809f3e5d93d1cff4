"""Supergraphs composed from Federation 1 subgraphs (extend type, @external keys)."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_fed1_external_key_fields_are_selectable() -> None:
    """Product.upc is @external in reviews (a Fed 1 key): reviews can still return it."""
    operation = """
        { topProducts { reviews { author { reviews { product { upc } } } } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
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
                      author {
                        reviews {
                          product {
                            upc
                          }
                        }
                      }
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("fed1", operation, expected)


def test_fed1_provides_and_requires() -> None:
    operation = """
        { me { reviews { body author { username name } product { name inStock shippingEstimate } } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "me") {
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
                      author {
                        __typename
                        username
                        id
                      }
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Parallel {
              Flatten(path: "me.reviews.@.author") {
                Fetch(service: "accounts") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      name
                    }
                  }
                },
              },
              Sequence {
                Flatten(path: "me.reviews.@.product") {
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
                        price
                        weight
                      }
                    }
                  },
                },
                Flatten(path: "me.reviews.@.product") {
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
            },
          },
        }
    """
    assert_plan("fed1", operation, expected)
