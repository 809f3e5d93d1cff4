"""Subgraphs typing a field differently from the supergraph (``@join__field(type:)``)."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation
from router.planning.plan import FetchNode, KeyRenamer
from tests.planning.helpers import assert_plan, fixture


def test_same_key_with_different_nullability_across_members_is_aliased() -> None:
    """User.id is ID! and Admin.id is ID in one: the fetch would not validate without an alias."""
    operation = """
        { accounts { ... on User { id name } ... on Admin { id name } } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "one") {
            {
              accounts {
                __typename
                ... on User {
                  id
                  name
                }
                ... on Admin {
                  id__alias_0: id
                  name
                }
              }
            }
          },
        }
    """
    assert_plan("mismatch", operation, expected)


def test_union_field_narrowed_to_an_object_in_another_subgraph() -> None:
    operation = """
        { viewer { pick { ... on User { id name } ... on Admin { name } } } }
    """
    expected = """
        QueryPlan {
          Fetch(service: "one") {
            {
              viewer {
                pick {
                  __typename
                  ... on User {
                    id
                    name
                  }
                  ... on Admin {
                    name
                  }
                }
              }
            }
          },
        }
    """
    assert_plan("mismatch", operation, expected)


def test_entity_without_key_in_the_root_subgraph() -> None:
    operation = """
        { users { id name } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "two") {
              {
                users {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "users.@") {
              Fetch(service: "one") {
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
    assert_plan("mismatch", operation, expected)


def test_aliased_field_is_renamed_back_by_an_output_rewrite() -> None:
    plan = plan_operation(
        fixture("mismatch"),
        parse("{ accounts { ... on User { id } ... on Admin { id } } }"),
        None,
    )
    assert isinstance(plan.node, FetchNode)
    assert plan.node.output_rewrites == (
        KeyRenamer(("accounts", "... on Admin", "id__alias_0"), "id"),
    )
