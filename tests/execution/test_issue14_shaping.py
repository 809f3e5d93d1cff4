"""Response shaping regressions of issue 14 found by the random differential over the
federation gateway audit's supergraphs (seed 14), where Apollo Gateway 2.14 and Hive Gateway
2.15 agree and the router did not.

Audit suite ``typename`` (its supergraph: tests/planning/fixtures/audit_typename.graphql):
``users: [User]`` comes from ``b``, an ``@interfaceObject`` answering ``__typename: "User"``
(the interface). Asking ``__typename`` or a fragment on ``Admin`` makes the plan fetch the
concrete type from ``a``, whose ``Admin`` resolver omits the non-null ``isMain``: ``a``
answers ``_entities: [null, null]`` with two "Cannot return null" errors, so the merged
objects keep ``__typename: "User"``. The data below is that merge (the subgraph answers are
the audit's resolvers, src/test-suites/typename/{a,b}.subgraph.ts).
"""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode

from router.execution import ShapeContext, Shaper
from router.operations import DocumentRules, prepare_document, select_operation
from router.supergraph import load_supergraph
from tests.planning.helpers import FIXTURES

SCHEMA = load_supergraph((FIXTURES / "audit_typename.graphql").read_text()).api_schema
USERS = [{"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"}]
MERGED = {"users": USERS, "a1": USERS}


def subgraph_errors(key: str) -> list[dict[str, Any]]:
    """The errors ``a`` answers, re-pathed to the client's positions (as the executor does)."""
    return [
        {
            "message": "Cannot return null for non-nullable field Admin.isMain.",
            "path": ["users", index, key],
            "extensions": {"service": "a"},
        }
        for index in (0, 1)
    ]


def shape(query: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    prepared = prepare_document(DocumentRules.for_schema(SCHEMA), query)
    assert prepared.document is not None, prepared.errors
    operation: OperationDefinitionNode = select_operation(prepared.document, None)
    shaper = Shaper(SCHEMA, operation, prepared.fragments)
    errors = list(errors)
    ctx = ShapeContext(errors, [tuple(e["path"]) for e in errors if "path" in e])
    shaped = shaper.variant({}).shape(MERGED, ctx)
    return {"data": shaped, "errors": errors}


def invalid(index: int) -> dict[str, Any]:
    return {
        "message": "Invalid value found for field Query.users.",
        "path": ["users", index],
        "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
    }


def test_an_interface_object_left_without_its_concrete_type_is_null_when_the_type_was_asked() -> (
    None
):
    """``{ users { __typename ... on Admin { b3: isMain } } }``: both references answer
    ``users: [null, null]`` with errors; the router answered ``[{"__typename": "User"}, ...]``
    (an interface name as a runtime type, spec 6.4.3 CompleteValue needs an object type)."""
    assert shape("{ users { __typename ... on Admin { b3: isMain } } }", subgraph_errors("b3")) == {
        "data": {"users": [None, None]},
        "errors": [*subgraph_errors("b3"), invalid(0), invalid(1)],
    }


def test_a_fragment_on_an_implementation_alone_keeps_the_interface_shape() -> None:
    """``{ a1: users { id ...on Admin { id } } users { __typename ... on Admin { isMain } } }``
    (seed 14): both references answer ``a1`` as the interface (``[{"id": "u1"}, ...]``) and
    ``users: [null, null]``; the object without ``__typename`` asked keeps its interface
    shape, the fragment on ``Admin`` not applying."""
    query = "{ a1: users { id ... on Admin { id } } users { __typename ... on Admin { isMain } } }"
    assert shape(query, subgraph_errors("isMain")) == {
        "data": {"a1": [{"id": "u1"}, {"id": "u2"}], "users": [None, None]},
        "errors": [
            *subgraph_errors("isMain"),
            invalid(0),
            invalid(1),
        ],
    }


def test_without_a_need_for_the_concrete_type_the_object_is_shaped_as_the_interface() -> None:
    """``{ users { id } }`` never asks ``a``: the interface's fields are answered (all three
    gateways: ``[{"id": "u1"}, {"id": "u2"}]``)."""
    assert shape("{ users { ... on User { id } } }", []) == {
        "data": {"users": [{"id": "u1"}, {"id": "u2"}]},
        "errors": [],
    }


def test_an_interface_without_object_types_completes_to_null() -> None:
    """Audit suite ``non-resolvable-interface-object``: ``b`` answers ``{"__typename":
    "Node"}`` and ``Node`` has no implementation anywhere; ``__typename`` has no object type
    to name."""
    schema = load_supergraph(
        (FIXTURES / "audit_non_resolvable_interface_object.graphql").read_text()
    ).api_schema
    prepared = prepare_document(DocumentRules.for_schema(schema), "{ b { __typename } }")
    assert prepared.document is not None, prepared.errors
    operation = select_operation(prepared.document, None)
    errors: list[dict[str, Any]] = []
    ctx = ShapeContext(errors, [])
    shaped = (
        Shaper(schema, operation, prepared.fragments)
        .variant({})
        .shape({"b": {"__typename": "Node"}}, ctx)
    )
    assert (shaped, errors) == (
        {"b": None},
        [
            {
                "message": "Invalid value found for field Query.b.",
                "path": ["b"],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
    )
