"""``@shareable``: a field several subgraphs resolve goes where it saves fetches."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_shareable_root_field_goes_where_all_its_fields_are() -> None:
    """media resolves name and rating: one fetch, no jump."""
    operation = """
        { products { name rating } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "media") {
            {
              products {
                name
                rating
              }
            }
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_shareable_root_field_prefers_first_subgraph_on_a_tie() -> None:
    operation = """
        { products { id name } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "catalog") {
            {
              products {
                id
                name
              }
            }
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_shareable_field_resolved_in_the_current_subgraph_saves_a_jump() -> None:
    """Book.title is in catalog and media: each root fetch resolves it itself."""
    operation = """
        { search(term: "a") { ... on Book { title } } media { ... on Book { title } } }
    """
    expected = """
        QueryPlan {
          Parallel {
            Fetch(service: "catalog") {
              {
                search(term: "a") {
                  __typename
                  ... on Book {
                    title
                  }
                }
              }
            },
            Fetch(service: "media") {
              {
                media {
                  __typename
                  ... on Book {
                    title
                  }
                }
              }
            },
          },
        }
    """
    assert_plan("shop", operation, expected)


def test_shareable_root_field_joins_a_fetch_another_root_field_needs() -> None:
    """playlists only exist in media: products comes from media too (one root fetch, not two)."""
    operation = """
        { products { discount } playlists { name } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "media") {
              {
                products {
                  __typename
                  id
                }
                playlists {
                  name
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
                    discount
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("shop", operation, expected)
