"""Value types split across subgraphs: re-entry from the root or from the enclosing entity."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_shared_root_field_fetched_from_both_subgraphs() -> None:
    """Store has no key: each subgraph answers its part of the shareable root field."""
    operation = """
        { store { name address } }
    """
    expected = """
        QueryPlan {
          Parallel {
            Fetch(service: "one") {
              {
                store {
                  name
                }
              }
            },
            Fetch(service: "two") {
              {
                store {
                  address
                }
              }
            },
          },
        }
    """
    assert_plan("values", operation, expected)


def test_value_type_field_fetched_through_the_enclosing_entity() -> None:
    """Stats has no key: two re-fetches Book.stats through Book's key."""
    operation = """
        { books { title stats { views sales } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "one") {
              {
                books {
                  __typename
                  title
                  stats {
                    views
                  }
                  id
                }
              }
            },
            Flatten(path: "books.@") {
              Fetch(service: "two") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    stats {
                      sales
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("values", operation, expected)


def test_nothing_below_a_value_field_in_the_first_fetch() -> None:
    """one selects stats { __typename } so the field stays valid and present."""
    operation = """
        { store { address } books { stats { sales } } }
    """
    expected = """
        QueryPlan {
          Parallel {
            Fetch(service: "two") {
              {
                store {
                  address
                }
              }
            },
            Sequence {
              Fetch(service: "one") {
                {
                  books {
                    __typename
                    stats {
                      __typename
                    }
                    id
                  }
                }
              },
              Flatten(path: "books.@") {
                Fetch(service: "two") {
                  {
                    ... on Book {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Book {
                      stats {
                        sales
                      }
                    }
                  }
                },
              },
            },
          },
        }
    """
    assert_plan("values", operation, expected)
