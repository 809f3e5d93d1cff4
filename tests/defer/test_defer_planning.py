"""Planner snapshots with Defer nodes, cross-checked against Apollo's query planner.

Whole printed plans (Apollo's ``prettyFormatQueryPlan`` layout). ``test_same_plan_as_apollo``
runs ``@apollo/query-planner`` 2.14.4 with ``incrementalDelivery.enableDefer`` on the same
supergraphs and operations and asserts the printed plans are identical; the cases where our plan
differs on purpose are checked in ``test_differences_from_apollo``. Every fetch of every plan
here also validates against its subgraph's schema (``tests/planning/helpers.plan_text``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from router.planning import PlanningError, plan_operation, plan_to_json
from router.supergraph import Supergraph, load_supergraph
from tests.planning.helpers import FIXTURES, assert_plan, fixture, plan_text
from tests.planning.reference_support import count_fetches, ensure_reference

EXECUTION_SDL = (
    Path(__file__).resolve().parents[1] / "execution" / "fixtures" / "supergraph.graphql"
)
APOLLO = Path(__file__).with_name("apollo_defer_plan.cjs")


@cache
def execution_supergraph() -> Supergraph:
    return load_supergraph(EXECUTION_SDL.read_text())


def _sdl(name: str) -> str:
    return (
        EXECUTION_SDL.read_text()
        if name == "execution"
        else (FIXTURES / f"{name}.graphql").read_text()
    )


def _supergraph(name: str) -> Supergraph:
    return execution_supergraph() if name == "execution" else fixture(name)


def apollo_plans(name: str, operations: list[str]) -> list[dict[str, Any]]:
    """Apollo's plans (``{"text", "json"}``) for ``operations`` on supergraph ``name``."""
    modules = ensure_reference()
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(APOLLO)],
        input=json.dumps({"supergraphSdl": _sdl(name), "operations": operations}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"PLANNING_REFERENCE_MODULES": str(modules), "PATH": str(Path(node).parent)},
    )
    plans: list[dict[str, Any]] = json.loads(result.stdout)["plans"]
    for plan in plans:
        assert "errors" not in plan, plan
    return plans


SAME_AS_APOLLO: dict[str, list[str]] = {
    "shop": [
        '{ products { id name ... @defer(label: "more") { rating discount } } }',
        "{ products { id ... @defer { name price } } }",
        "{ playlists { name ... @defer { songs { length } } } }",
        '{ products { id ... @defer(label: "a") { rating ... @defer(label: "b") { discount } } } }',
        '{ search(term: "x") { ... on Book { id ... @defer { pages } } } }',
        "{ nodes { id ... on Movie @defer { director } } }",
    ],
    "execution": [
        '{ media { title ... on Book @defer(label: "book") { reviewCount } } }',
        "{ topProducts { upc name ... @defer { reviews { body author { name } } } } }",
        'fragment Slow on Product { delivery } { product(upc: "1") { name ...Slow @defer } }',
    ],
}


@pytest.mark.parametrize(
    ("name", "index"),
    [(name, index) for name, ops in SAME_AS_APOLLO.items() for index in range(len(ops))],
)
def test_same_plan_as_apollo(name: str, index: int) -> None:
    operation = SAME_AS_APOLLO[name][index]
    reference = _apollo_cached(name)[index]
    assert plan_text(_supergraph(name), operation) == reference["text"]


@cache
def _apollo_cached(name: str) -> list[dict[str, Any]]:
    return apollo_plans(name, SAME_AS_APOLLO[name])


def test_entity_fields_across_subgraphs() -> None:
    """The deferred part re-enters each product through ``_entities``: the field the primary
    subgraph owns (``name``) from catalog, ``price`` from pricing, in parallel, both reading
    fetch 0's representations (``depends: [0]``)."""
    assert_plan(
        "shop",
        "{ products { id ... @defer { name price } } }",
        """
        QueryPlan {
          Defer {
            Primary {
              {
                products {
                  id
                }
              }:
              Fetch(service: "catalog", id: 0) {
                {
                  products {
                    __typename
                    id
                  }
                }
              }
            }, [
              Deferred(depends: [0], path: "products") {
                {
                  name
                  price
                }:
                Parallel {
                  Flatten(path: "products.@") {
                    Fetch(service: "catalog") {
                      {
                        ... on Product {
                          __typename
                          id
                        }
                      } =>
                      {
                        ... on Product {
                          name
                        }
                      }
                    },
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
                          price
                        }
                      }
                    },
                  },
                }
              },
            ]
          },
        }
        """,
    )


def test_value_type_fragment_has_no_fetch_of_its_own() -> None:
    """``Playlist`` has no key: its deferred fields come with the primary fetch, and the
    deferred block (no node) is delivered right after the primary part, as Apollo plans it."""
    assert_plan(
        "shop",
        "{ playlists { name ... @defer { songs { length } } } }",
        """
        QueryPlan {
          Defer {
            Primary {
              {
                playlists {
                  name
                }
              }:
              Fetch(service: "media") {
                {
                  playlists {
                    name
                    songs {
                      length
                    }
                  }
                }
              }
            }, [
              Deferred(depends: [], path: "playlists") {
                {
                  songs {
                    length
                  }
                }:
              },
            ]
          },
        }
        """,
    )


def test_defer_if_variable_plans_both_ways() -> None:
    assert_plan(
        "shop",
        "query($d: Boolean!) { playlists { name ... @defer(if: $d) { songs { length } } } }",
        """
        QueryPlan {
          Condition(if: $d) {
            Then {
              Defer {
                Primary {
                  {
                    playlists {
                      name
                    }
                  }:
                  Fetch(service: "media") {
                    {
                      playlists {
                        name
                        songs {
                          length
                        }
                      }
                    }
                  }
                }, [
                  Deferred(depends: [], path: "playlists") {
                    {
                      songs {
                        length
                      }
                    }:
                  },
                ]
              }
            } Else {
              Fetch(service: "media") {
                {
                  playlists {
                    name
                    songs {
                      length
                    }
                  }
                }
              }
            }
          },
        }
        """,
    )


def test_defer_if_false_literal_inlines() -> None:
    with_false = plan_text(fixture("shop"), "{ products { id ... @defer(if: false) { price } } }")
    assert with_false == plan_text(fixture("shop"), "{ products { id ... { price } } }")


def test_differences_from_apollo() -> None:
    """Where our plan differs from Apollo's on purpose, it needs no more fetches:

    - a deferred fragment on the query root gets its own root fetch (no dependency on the
      primary part; Apollo waits for it and re-enters ``Query`` with ``Flatten(path: "")``);
    - ``@requires`` inputs of a deferred field are selected by the primary fetch (Apollo adds
      a fetch to the deferred part for them).
    """
    root = "{ products { id } ... @defer { playlists { name } } }"
    requires = "{ topProducts(first: 2) { name ... @defer { shippingEstimate } } }"
    for name, operation in (("shop", root), ("execution", requires)):
        ours = plan_to_json(plan_operation(_supergraph(name), parse(operation), None))
        (theirs,) = apollo_plans(name, [operation])
        assert count_fetches(ours) <= count_fetches(theirs["json"])
        assert _blocks(ours) == _blocks(theirs["json"])
    assert_plan(
        "shop",
        root,
        """
        QueryPlan {
          Defer {
            Primary {
              {
                products {
                  id
                }
              }:
              Fetch(service: "catalog") {
                {
                  products {
                    id
                  }
                }
              }
            }, [
              Deferred(depends: [], path: "") {
                {
                  playlists {
                    name
                  }
                }:
                Fetch(service: "media") {
                  {
                    playlists {
                      name
                    }
                  }
                }
              },
            ]
          },
        }
        """,
    )


def _blocks(plan: Any) -> list[tuple[Any, ...]]:
    """Every Defer node's primary subselection and deferred (label, queryPath, subselection)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(plan, dict):
        if plan.get("kind") == "Defer":
            found.append(("primary", plan["primary"].get("subselection")))
            for block in plan["deferred"]:
                found.append((block.get("label"), block["queryPath"], block.get("subselection")))
        for value in plan.values():
            found.extend(_blocks(value))
    elif isinstance(plan, list):
        for item in plan:
            found.extend(_blocks(item))
    return found


def test_plan_json_shape() -> None:
    """Apollo's JSON: ``Defer`` with ``primary {subselection, node}`` and ``deferred [{depends:
    [{id}], label, queryPath, subselection, node}]``; the primary fetch carries ``id``."""
    operation = '{ products { id ... @defer(label: "p") { price } } }'
    plan = plan_to_json(plan_operation(fixture("shop"), parse(operation), None))
    defer = plan["node"]
    assert defer["kind"] == "Defer"
    assert defer["primary"]["subselection"] == "{ products { id } }"
    assert defer["primary"]["node"]["id"] == "0"
    (block,) = defer["deferred"]
    assert {k: v for k, v in block.items() if k != "node"} == {
        "depends": [{"id": "0"}],
        "label": "p",
        "queryPath": ["products"],
        "subselection": "{ price }",
    }
    assert block["node"]["kind"] == "Flatten"
    assert block["node"]["node"]["serviceName"] == "pricing"
    (theirs,) = apollo_plans("shop", [operation])
    assert _blocks(plan) == _blocks(theirs["json"])


def test_subscription_with_defer_is_refused() -> None:
    supergraph = fixture("shop")
    with pytest.raises(PlanningError):
        plan_operation(supergraph, parse("subscription { x ... @defer { y } }"), None)
