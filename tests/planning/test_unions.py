"""Unions whose members live in different subgraphs, and partial unions."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_union_members_jump_by_runtime_type_in_one_fetch() -> None:
    operation = """
        { search(term: "x") { ... on Book { title pages } ... on Movie { title director } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                search(term: "x") {
                  __typename
                  ... on Book {
                    __typename
                    title
                    id
                  }
                  ... on Movie {
                    __typename
                    title
                    id
                  }
                }
              }
            },
            Flatten(path: "search.@") {
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


def test_fragment_on_a_member_the_subgraph_never_returns_is_dropped() -> None:
    """media's SearchResult has no Movie: that fragment is pruned."""
    operation = """
        { media { __typename ... on Book { isbn } ... on Movie { title } ... on Song { length } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "media") {
              {
                media {
                  __typename
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Song {
                    length
                  }
                }
              }
            },
            Flatten(path: "media.@") {
              Fetch(service: "catalog") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    isbn
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_union_typename_only() -> None:
    operation = """
        { search(term: "x") { __typename } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "catalog") {
            {
              search(term: "x") {
                __typename
              }
            }
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_fragment_on_an_implementation_the_subgraph_lacks_is_dropped() -> None:
    operation = """
        { gallery { ... on TextPost { body } } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "media") {
            {
              gallery {
                __typename
              }
            }
          },
        }
    """
    assert_plan("feed", operation, expected)
