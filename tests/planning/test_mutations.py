"""Mutations: root fields in order; consecutive fields of one subgraph share a fetch."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_mutation_root_fields_run_in_order() -> None:
    operation = """
        mutation M($n: String!) { a: createUser(name: $n) { id reviews { body } } b: renameUser(id: "1", name: $n) { name } addReview(userId: "1", body: "x") { id author { name } } deleteUser(id: "2") }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                a: createUser(name: $n) {
                  __typename
                  id
                }
                b: renameUser(id: "1", name: $n) {
                  name
                }
              }
            },
            Flatten(path: "a") {
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
            Fetch(service: "reviews") {
              {
                addReview(userId: "1", body: "x") {
                  id
                  author {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "addReview.author") {
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
            Fetch(service: "accounts") {
              {
                deleteUser(id: "2")
              }
            },
          },
        }
    """
    assert_plan("mutations", operation, expected)


def test_single_mutation() -> None:
    operation = """
        mutation { deleteUser(id: "1") }
    """
    expected = """
        QueryPlan {
          Fetch(service: "accounts") {
            {
              deleteUser(id: "1")
            }
          },
        }
    """
    assert_plan("mutations", operation, expected)
