"""``@interfaceObject``: a subgraph modelling an interface as one object type."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_interface_field_from_the_interface_object_subgraph() -> None:
    operation = """
        { library { title reviews } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "library") {
              {
                library {
                  __typename
                  title
                  id
                }
              }
            },
            Flatten(path: "library.@") {
              Fetch(service: "reviews") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    reviews
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("iface", operation, expected)


def test_from_the_interface_object_back_to_the_implementations() -> None:
    """reviews cannot tell Book from Film: library resolves the fragment."""
    operation = """
        { topMedia { rating title ... on Book { author } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                topMedia {
                  __typename
                  rating
                  id
                }
              }
            },
            Flatten(path: "topMedia") {
              Fetch(service: "library") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    __typename
                    title
                    ... on Book {
                      author
                    }
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("iface", operation, expected)


def test_typename_of_an_interface_object_comes_from_the_real_interface() -> None:
    operation = """
        { topMedia { __typename rating } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                topMedia {
                  __typename
                  id
                  rating
                }
              }
            },
            Flatten(path: "topMedia") {
              Fetch(service: "library") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    __typename
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("iface", operation, expected)


def test_interface_object_under_a_type_condition_sends_only_that_type() -> None:
    """The representation is `... on Book` (rewritten to __typename Media), as Apollo does."""
    operation = """
        { library { ... on Book { reviews author } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "library") {
              {
                library {
                  __typename
                  ... on Book {
                    __typename
                    id
                    author
                  }
                }
              }
            },
            Flatten(path: "library.@") {
              Fetch(service: "reviews") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    reviews
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("iface", operation, expected)


def test_interface_object_fields_from_the_interface_and_a_type_condition_share_a_fetch() -> None:
    operation = """
        { library { reviews rating ... on Book { rating } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "library") {
              {
                library {
                  __typename
                  id
                  ... on Book {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "library.@") {
              Fetch(service: "reviews") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    reviews
                    rating
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("iface", operation, expected)
