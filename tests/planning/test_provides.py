"""``@provides``: external fields provided on a path are fetched without a jump."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_provided_field_stays_in_the_providing_subgraph() -> None:
    operation = """
        {
          topProducts {
            reviews { author { username } }
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
                        username
                      }
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_field_not_provided_needs_a_jump() -> None:
    operation = """
        {
          topProducts {
            reviews { author { username name } }
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
                        __typename
                        username
                        id
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "topProducts.@.reviews.@.author") {
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
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_only_the_unprovided_field_of_a_deep_path_jumps() -> None:
    operation = """
        {
          topProducts {
            reviews { product { reviews { author { reviews { author { name } } } } } }
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
                      product {
                        reviews {
                          author {
                            reviews {
                              author {
                                __typename
                                id
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "topProducts.@.reviews.@.product.reviews.@.author.reviews.@.author") {
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
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_provides_with_a_type_condition_on_an_abstract_field() -> None:
    """gallery provides ... on ImagePost { url }: no jump back to posts."""
    operation = """
        { gallery { id ... on ImagePost { url createdAt } } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "media") {
            {
              gallery {
                __typename
                id
                ... on ImagePost {
                  url
                  createdAt
                }
              }
            }
          },
        }
    """
    assert_plan("feed", operation, expected)


def test_provides_on_an_interface_field_covers_its_implementations() -> None:
    """cache provides pets { id name }: featured comes from cache, Cat.age from pets through the provided Cat.id."""
    operation = """
        { featured { id pets { id name ... on Cat { age } } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "cache") {
              {
                featured {
                  __typename
                  id
                  pets {
                    __typename
                    id
                    name
                    ... on Cat {
                      __typename
                      id
                    }
                  }
                }
              }
            },
            Flatten(path: "featured.pets.@") {
              Fetch(service: "pets") {
                {
                  ... on Cat {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Cat {
                    age
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("zoo", operation, expected)
