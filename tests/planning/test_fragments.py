"""Named and inline fragments, nested, with ``__typename``."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_named_fragments_are_inlined() -> None:
    operation = """
        query { users { ...U } } fragment U on User { id ...N reviews { ...R } } fragment N on User { name } fragment R on Review { body }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                users {
                  __typename
                  id
                  name
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
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_inline_fragment_without_type_condition() -> None:
    operation = """
        { topProducts { ... { name ... { inStock } } } }
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


def test_typename_is_fetched_with_the_object() -> None:
    operation = """
        { topProducts { __typename t: __typename reviews { __typename body } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  t: __typename
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
                      __typename
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


def test_fragments_on_union_members_nested_in_interfaces() -> None:
    operation = """
        query { nodes { ... on Book { ...Pages } ... on Movie { ... on Node { id } director } } } fragment Pages on Book { pages }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                nodes {
                  __typename
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Movie {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "nodes.@") {
              Fetch(service: "media") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Movie {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    pages
                  }
                  ... on Movie {
                    director
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)
