"""Planner regressions found by the federation gateway audit, each with a small supergraph.

The supergraphs are written by hand in the join v0.3 format (only what each case needs).
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from router.planning import PlanningError
from tests.planning.helpers import assert_plan, plan_text

PRELUDE = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, \
type: String, external: Boolean, override: String, usedOverridden: Boolean) \
repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) \
repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, \
resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) \
repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) \
repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""


def supergraph(body: str) -> str:
    return PRELUDE.replace("\\\n", "") + dedent(body)


def test_abstract_fragment_is_split_when_the_subgraph_lacks_an_implementation() -> None:
    # `Oven implements Node` only in B: in A `... on Node` would not match an Oven.
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
        }
        type Query @join__type(graph: A) @join__type(graph: B) {
          products: [Product] @join__field(graph: A)
        }
        union Product @join__type(graph: A)
          @join__unionMember(graph: A, member: "Oven")
          @join__unionMember(graph: A, member: "Toaster") = Oven | Toaster
        interface Node @join__type(graph: A) @join__type(graph: B) { id: ID! }
        type Oven implements Node @join__implements(graph: B, interface: "Node")
          @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") { id: ID! }
        type Toaster implements Node @join__implements(graph: A, interface: "Node")
          @join__type(graph: A, key: "id") { id: ID! }
        """
    )
    assert_plan(
        sdl,
        "{ products { ... on Node { id } } }",
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              products {
                __typename
                ... on Oven {
                  id
                }
                ... on Toaster {
                  id
                }
              }
            }
          },
        }
        """,
    )


def test_interface_field_with_an_external_key_field_in_the_root_subgraph_is_not_planned() -> None:
    # `Note.id` is @external in A (its own key): A cannot select the key to jump to B, and
    # fetching `item` again from B could answer with another object (no root re-entry through
    # an interface field). Planning fails instead of answering A's Note with B's data.
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
        }
        type Query @join__type(graph: A) @join__type(graph: B) {
          item(id: ID!): Item
        }
        interface Item @join__type(graph: A) @join__type(graph: B) { id: ID! }
        type User implements Item
          @join__implements(graph: A, interface: "Item")
          @join__implements(graph: B, interface: "Item")
          @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
          id: ID! @join__field(graph: A) @join__field(graph: B, external: true)
        }
        type Note implements Item
          @join__implements(graph: A, interface: "Item")
          @join__implements(graph: B, interface: "Item")
          @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
          id: ID! @join__field(graph: A, external: true) @join__field(graph: B)
        }
        """
    )
    with pytest.raises(PlanningError):
        plan_text(sdl, '{ item(id: "u1") { id } }')


def test_key_fields_of_a_value_type_come_from_the_enclosing_entity_not_the_fetch_needing_them() -> (
    None
):
    # `Shelf` is a value type in A and B; its key `id` (for C) is only in B: B is re-entered at
    # `book` (the representation that entered A holds Book.id) before C, instead of C being
    # asked for the very key it needs.
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
          C @join__graph(name: "c", url: "http://c")
          D @join__graph(name: "d", url: "http://d")
        }
        type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C)
          @join__type(graph: D) {
          book(id: ID!): Book @join__field(graph: D)
        }
        type Book @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
          @join__type(graph: D, key: "id") {
          id: ID @join__field(graph: A, external: true) @join__field(graph: B, external: true)
            @join__field(graph: D)
          shelf: Shelf @join__field(graph: A) @join__field(graph: B)
        }
        type Shelf @join__type(graph: A) @join__type(graph: B) @join__type(graph: C, key: "id") {
          room: String @join__field(graph: A)
          id: ID @join__field(graph: B) @join__field(graph: C)
          label: String @join__field(graph: C)
        }
        """
    )
    assert_plan(
        sdl,
        '{ book(id: "1") { shelf { room label } } }',
        """
        QueryPlan {
          Sequence {
            Fetch(service: "d") {
              {
                book(id: "1") {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "book") {
              Fetch(service: "a") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    __typename
                    shelf {
                      __typename
                      room
                    }
                  }
                }
              },
            },
            Flatten(path: "book") {
              Fetch(service: "b") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    shelf {
                      id
                    }
                  }
                }
              },
            },
            Flatten(path: "book.shelf") {
              Fetch(service: "c") {
                {
                  ... on Shelf {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Shelf {
                    label
                  }
                }
              },
            },
          },
        }
        """,
    )


def test_field_of_an_interface_without_implementations_in_the_subgraph_is_not_planned() -> None:
    # `Node.field` lives only in B's @interfaceObject, whose key is not resolvable: from A
    # (no implementation of Node there) no jump reaches it. With nothing else selected there is
    # no fetch to make: planning fails (the audit expects `data: null`). With other fields
    # selected the field is dropped: tests/planning/test_issue14_regressions.py
    # ::test_a_field_of_an_interface_the_subgraph_cannot_return_does_not_stop_the_plan.
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
        }
        type Query @join__type(graph: A) @join__type(graph: B) {
          a: Node @join__field(graph: A)
          b: Node @join__field(graph: B)
        }
        interface Node @join__type(graph: A, key: "id")
          @join__type(graph: B, key: "id", resolvable: false, isInterfaceObject: true) {
          id: ID!
          field: String @join__field(graph: B)
        }
        """
    )
    with pytest.raises(PlanningError):
        plan_text(sdl, "{ a { field } }")


def test_two_requires_of_one_field_with_different_arguments_use_separate_representations() -> None:
    # `price(unit: "cent")` and `price(unit: "euro")`: the second is fetched under an alias and
    # sent as `price` in its own entity fetch (one representation cannot hold both).
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
        }
        type Query @join__type(graph: A) @join__type(graph: B) {
          items: [Item] @join__field(graph: B)
        }
        type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
          id: ID!
          price(unit: String!): Int @join__field(graph: A, external: true) @join__field(graph: B)
          cents: Int @join__field(graph: A, requires: "price(unit: \\"cent\\")")
          euros: Int @join__field(graph: A, requires: "price(unit: \\"euro\\")")
        }
        """
    )
    assert_plan(
        sdl,
        "{ items { cents euros } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "b") {
              {
                items {
                  __typename
                  id
                  price(unit: "cent")
                  price__planner: price(unit: "euro")
                }
              }
            },
            Parallel {
              Flatten(path: "items.@") {
                Fetch(service: "a") {
                  {
                    ... on Item {
                      __typename
                      id
                      price
                    }
                  } =>
                  {
                    ... on Item {
                      cents
                    }
                  }
                },
              },
              Flatten(path: "items.@") {
                Fetch(service: "a") {
                  {
                    ... on Item {
                      __typename
                      id
                      price__planner
                    }
                  } =>
                  {
                    ... on Item {
                      euros
                    }
                  }
                },
              },
            },
          },
        }
        """,
    )


def test_partial_union_below_a_field_two_subgraphs_answer_keeps_the_common_members() -> None:
    # `Box.shelf.things` can come from A or from B (Box is keyed in both); B's `Thing` lacks
    # `Cup`. As Hive Router (audit partial-union-complex), only common members are selected
    # so the answer does not depend on the subgraph chosen: `Cup.size` stays null.
    sdl = supergraph(
        """
        enum join__Graph {
          A @join__graph(name: "a", url: "http://a")
          B @join__graph(name: "b", url: "http://b")
        }
        type Query @join__type(graph: A) @join__type(graph: B) {
          box: Box @join__field(graph: A)
        }
        type Box @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
          id: ID!
          shelf: Shelf
        }
        type Shelf @join__type(graph: A) @join__type(graph: B) {
          things: [Thing!]!
        }
        union Thing @join__type(graph: A) @join__type(graph: B)
          @join__unionMember(graph: A, member: "Pen")
          @join__unionMember(graph: B, member: "Pen")
          @join__unionMember(graph: A, member: "Cup") = Pen | Cup
        type Pen @join__type(graph: A) @join__type(graph: B) { ink: String }
        type Cup @join__type(graph: A) { size: Int }
        """
    )
    assert_plan(
        sdl,
        "{ box { shelf { things { __typename ... on Pen { ink } ... on Cup { size } } } } }",
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              box {
                shelf {
                  things {
                    __typename
                    ... on Pen {
                      ink
                    }
                  }
                }
              }
            }
          },
        }
        """,
    )
