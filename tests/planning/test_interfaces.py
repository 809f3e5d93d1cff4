"""Interfaces: fields on the interface, type conditions, runtime ``__typename``."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_interface_field_and_type_condition_needing_a_jump() -> None:
    operation = """
        { nodes { id ... on Book { pages } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                nodes {
                  __typename
                  id
                  ... on Book {
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
                } =>
                {
                  ... on Book {
                    pages
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_fragment_on_the_interface_itself_is_inlined() -> None:
    operation = """
        { nodes { ... on Node { id } ... on Movie { director } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                nodes {
                  __typename
                  id
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
                  ... on Movie {
                    __typename
                    id
                  }
                } =>
                {
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


def test_named_fragment_on_implementation() -> None:
    operation = """
        query { nodes { ...B } } fragment B on Book { isbn pages }
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
                    isbn
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
                } =>
                {
                  ... on Book {
                    pages
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_interface_field_overridden_for_one_implementation_splits_by_type() -> None:
    """ImagePost.createdAt moved to media (@override): only TextPost keeps it in posts."""
    operation = """
        { feed { id createdAt } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "posts") {
              {
                feed {
                  __typename
                  id
                  ... on ImagePost {
                    __typename
                    id
                  }
                  ... on TextPost {
                    createdAt
                  }
                }
              }
            },
            Flatten(path: "feed.@") {
              Fetch(service: "media") {
                {
                  ... on ImagePost {
                    __typename
                    id
                  }
                } =>
                {
                  ... on ImagePost {
                    createdAt
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("feed", operation, expected)
