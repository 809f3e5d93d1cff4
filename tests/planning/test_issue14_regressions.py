"""Planner regressions of issue 14, found by random operations (each failed before its fix).

Fixture supergraphs (``fixtures/{chain,shelter,narrowed}.subgraphs.graphql``, composed by
Apollo's composition) are small analogues of the federation audit suites where the defects were
seen (complex-entity-call, provides-on-interface, union-intersection, mutations).
"""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation
from router.supergraph import load_supergraph
from servicekit.topology import PROJECT_ROOT
from tests.planning.helpers import assert_plan, fetches, fixture

EXECUTION_FIXTURE = PROJECT_ROOT / "tests" / "execution" / "fixtures" / "supergraph.graphql"


def test_a_key_needing_a_field_from_a_third_subgraph_is_gathered_before_the_jump() -> None:
    """`costs` needs `pick { sku }` in its Shelf key, only `picks` has it, and `picks` needs
    `batch` from `skus`: composition's satisfiability accepts it, so it must plan (it raised
    ``cannot resolve Shelf.pick``: the fetch being fed was picked as the key's source)."""
    assert_plan(
        "chain",
        "{ shelf { top { cost { amount } } } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "shelves") {
              {
                shelf {
                  __typename
                  items {
                    __typename
                    sku
                    group {
                      code
                      kind
                    }
                  }
                }
              }
            },
            Flatten(path: "shelf.items.@") {
              Fetch(service: "skus") {
                {
                  ... on Item {
                    __typename
                    sku
                  }
                } =>
                {
                  ... on Item {
                    batch
                  }
                }
              },
            },
            Flatten(path: "shelf") {
              Fetch(service: "picks") {
                {
                  ... on Shelf {
                    __typename
                    items {
                      sku
                      batch
                    }
                  }
                } =>
                {
                  ... on Shelf {
                    pick {
                      sku
                    }
                  }
                }
              },
            },
            Flatten(path: "shelf") {
              Fetch(service: "costs") {
                {
                  ... on Shelf {
                    __typename
                    items {
                      sku
                      batch
                      group {
                        code
                        kind
                      }
                    }
                    pick {
                      sku
                    }
                  }
                } =>
                {
                  ... on Shelf {
                    top {
                      cost {
                        amount
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """,
    )


def test_the_field_in_the_key_is_also_selectable_by_the_client() -> None:
    """The same chain when the client asks for the key field ``pick`` itself."""
    assert_plan(
        "chain",
        "{ shelf { pick { cost { amount } } } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "shelves") {
              {
                shelf {
                  __typename
                  items {
                    __typename
                    sku
                    group {
                      code
                      kind
                    }
                  }
                }
              }
            },
            Flatten(path: "shelf.items.@") {
              Fetch(service: "skus") {
                {
                  ... on Item {
                    __typename
                    sku
                  }
                } =>
                {
                  ... on Item {
                    batch
                  }
                }
              },
            },
            Flatten(path: "shelf") {
              Fetch(service: "picks") {
                {
                  ... on Shelf {
                    __typename
                    items {
                      sku
                      batch
                    }
                  }
                } =>
                {
                  ... on Shelf {
                    pick {
                      sku
                    }
                  }
                }
              },
            },
            Flatten(path: "shelf") {
              Fetch(service: "costs") {
                {
                  ... on Shelf {
                    __typename
                    items {
                      sku
                      batch
                      group {
                        code
                        kind
                      }
                    }
                    pick {
                      sku
                    }
                  }
                } =>
                {
                  ... on Shelf {
                    pick {
                      cost {
                        amount
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """,
    )


def test_an_implementation_key_external_under_a_partial_provides_is_refetched_from_the_entity() -> (
    None
):
    """``front`` provides only ``Dog.name``: ``Cat.id``/``Dog.id`` are external there and no
    key of theirs can be gathered from ``front``, so ``residents`` is asked again from the
    enclosing ``Shelter`` in ``records`` (Apollo's plan) instead of raising."""
    assert_plan(
        "shelter",
        "{ shelter { residents { id } } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "front") {
              {
                shelter {
                  __typename
                  residents {
                    __typename
                  }
                  id
                }
              }
            },
            Flatten(path: "shelter") {
              Fetch(service: "records") {
                {
                  ... on Shelter {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Shelter {
                    residents {
                      __typename
                      ... on Cat {
                        id
                      }
                      ... on Dog {
                        id
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """,
    )


def test_a_union_field_typed_as_one_member_in_the_subgraph_still_selects_typename() -> None:
    """``feature`` is ``Content`` (a union) in the supergraph and ``Story`` in ``stories``
    (``@join__field(type:)``): the shaping needs ``__typename`` for ``... on Story``."""
    assert_plan(
        "narrowed",
        "{ feature { ... on Story { headline } } }",
        """
        QueryPlan {
          Fetch(service: "stories") {
            {
              feature {
                __typename
                headline
              }
            }
          },
        }
        """,
    )


def test_entity_fetches_at_two_aliased_paths_share_one_request() -> None:
    """Two aliases of the same list ask ``clips`` for the same entities: one ``_entities``
    request serves both paths (Apollo and the old planner sent two)."""
    assert_plan(
        "narrowed",
        "{ a: stories { views } b: stories { x: views } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "stories") {
              {
                a: stories {
                  __typename
                  id
                }
                b: stories {
                  __typename
                  id
                }
              }
            },
            Flatten(paths: ["a.@", "b.@"]) {
              Fetch(service: "clips") {
                {
                  ... on Story {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Story {
                    views
                    x: views
                  }
                }
              },
            },
          },
        }
        """,
    )


def test_fetches_at_two_paths_stay_apart_when_one_answer_would_overwrite_a_client_key() -> None:
    """Found by the random differential (seed 14, operation 2177): merged, the inventory fetch
    would write ``x: shippingEstimate`` into the ``topProducts`` items too, where the client's
    ``x`` is ``upc`` (the router answered ``RESPONSE_VALIDATION_FAILED`` and ``data: null``;
    Apollo Gateway and Hive Gateway answer the upcs). The two paths keep one fetch each."""
    assert_plan(
        load_supergraph(EXECUTION_FIXTURE.read_text()),
        '{ product(upc: "1") { x: shippingEstimate } topProducts(first: 2) { x: upc shippingEstimate } }',
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                product(upc: "1") {
                  __typename
                  upc
                  price
                  weight
                }
                topProducts(first: 2) {
                  __typename
                  x: upc
                  upc
                  price
                  weight
                }
              }
            },
            Parallel {
              Flatten(path: "product") {
                Fetch(service: "inventory") {
                  {
                    ... on Product {
                      __typename
                      upc
                      price
                      weight
                    }
                  } =>
                  {
                    ... on Product {
                      x: shippingEstimate
                    }
                  }
                },
              },
              Flatten(path: "topProducts.@") {
                Fetch(service: "inventory") {
                  {
                    ... on Product {
                      __typename
                      upc
                      price
                      weight
                    }
                  } =>
                  {
                    ... on Product {
                      shippingEstimate
                    }
                  }
                },
              },
            },
          },
        }
        """,
    )


def test_a_variable_of_a_dropped_fragment_is_not_declared() -> None:
    """``$v`` only conditions a fragment whose whole selection ``@include(if: false)`` removed:
    the subgraph operation must not declare it (spec 5.8.4 "All Variables Used": the subgraph
    refused the operation and the client got ``data: null``)."""
    operation = (
        "query Q($v: Boolean!) { shelf { ... on Shelf @include(if: $v) "
        "{ items @include(if: false) { sku } } items { sku } } }"
    )
    plan = plan_operation(fixture("chain"), parse(operation), "Q")
    assert [(f.operation, f.variable_usages) for f in fetches(plan.node)] == [
        ("query Q__shelves__0 {\n  shelf {\n    items {\n      sku\n    }\n  }\n}", ())
    ]


def test_a_field_of_an_interface_the_subgraph_cannot_return_does_not_stop_the_plan() -> None:
    """Audit suite ``non-resolvable-interface-object`` (its supergraph, fixtures/
    audit_non_resolvable_interface_object.graphql): ``a: Node`` comes from ``a``, which knows
    no implementation of ``Node``; ``Node.field`` only from ``b``'s non-resolvable
    ``@interfaceObject``. ``a`` can only answer null or an error there, so ``field`` is never
    reached at runtime: the plan fetches what ``a`` resolves (``id``) and the client gets the
    subgraph's null and error, as Apollo Gateway 2.14 and Hive Gateway 2.15 answer (the random
    differential, seed 14). It raised ``QUERY_PLANNING_FAILED: cannot resolve Node.field``."""
    assert_plan(
        "audit_non_resolvable_interface_object",
        "{ a { id field } }",
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              a {
                __typename
                id
              }
            }
          },
        }
        """,
    )


def test_no_entity_fetch_to_a_subgraph_knowing_no_implementation_of_the_interface() -> None:
    """Same suite: ``b``'s ``@interfaceObject`` ``Node`` and ``a``'s keyed ``Node`` without
    implementations. ``__typename`` was asked from ``a`` with ``_entities { ... on Node }``,
    which ``a`` refuses ("objects of type _Entity can never be of type Node"): no subgraph can
    give a concrete type, so nothing is fetched for it (the shaper answers ``b: null`` with a
    field error, as a value of an interface without object types cannot complete)."""
    assert_plan(
        "audit_non_resolvable_interface_object",
        "{ b { __typename } }",
        """
        QueryPlan {
          Fetch(service: "b") {
            {
              b {
                __typename
              }
            }
          },
        }
        """,
    )


def test_sibling_fetches_are_not_merged_when_one_adds_a_non_null_field() -> None:
    """Audit suite ``typename`` (fixtures/audit_typename.graphql): merged into one
    ``_entities`` request, ``isMain: Boolean!`` (null in the suite's ``a``) nulled the shared
    entity, and ``users`` answered ``[null, null]`` where both references answer
    ``[{"__typename": "Admin"}, ...]`` (seed 14, ``a2`` beside ``users``). Each path keeps
    its own fetch, as Apollo's planner sends them."""
    assert_plan(
        "audit_typename",
        "{ users { __typename } a2: users { __typename ... on Admin { isMain } } }",
        """
        QueryPlan {
          Sequence {
            Fetch(service: "b") {
              {
                users {
                  __typename
                  id
                }
                a2: users {
                  __typename
                  id
                }
              }
            },
            Parallel {
              Flatten(path: "users.@") {
                Fetch(service: "a") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      __typename
                    }
                  }
                },
              },
              Flatten(path: "a2.@") {
                Fetch(service: "a") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      __typename
                      ... on Admin {
                        isMain
                      }
                    }
                  }
                },
              },
            },
          },
        }
        """,
    )
