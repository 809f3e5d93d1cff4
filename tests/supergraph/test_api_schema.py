"""The API schema: join/link elements, @inaccessible elements and type-system directives removed."""

from __future__ import annotations

import pytest
from graphql import build_schema, lexicographic_sort_schema, print_ast, print_schema

from router.supergraph import load_supergraph
from router.supergraph.api_schema import DEFER_DEFINITION, STREAM_DEFINITION
from tests.planning.helpers import FIXTURES, fixture
from tests.planning.reference_support import run_reference

EXPECTED = """\
directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT

directive @stream(if: Boolean! = true, label: String, initialCount: Int! = 0) on FIELD

enum Color {
  RED
  GREEN
}

scalar Date @specifiedBy(url: "https://example.com/date")

input Filter {
  name: String
  color: Color
}

type Item implements Node {
  id: ID!
  name: String
  old: String @deprecated(reason: "use name")
  createdAt: Date
}

interface Node {
  id: ID!
}

type Query {
  items(filter: Filter): [Item!]!
  search: [Result!]!
  byColor(color: Color = RED): [Item!]!
}

union Result = Item"""


def test_api_schema_hides_inaccessible_and_spec_elements() -> None:
    assert print_schema(fixture("api").api_schema) == EXPECTED


def test_api_schema_keeps_only_client_directives() -> None:
    names = sorted(d.name for d in fixture("api").api_schema.directives)
    # @defer and @stream: the router supports them (issue #16), as Apollo Router's API schema
    # adds @defer
    assert names == ["defer", "deprecated", "include", "oneOf", "skip", "specifiedBy", "stream"]


def test_inaccessible_elements_stay_in_the_model() -> None:
    supergraph = fixture("api")
    assert supergraph.type("Item").fields["internalCode"].inaccessible
    assert supergraph.type("Hidden").inaccessible
    assert [(v.name, v.graphs, v.inaccessible) for v in supergraph.type("Color").enum_values] == [
        ("RED", ("one", "two"), False),
        ("GREEN", ("one", "two"), False),
        ("INTERNAL", ("one", "two"), True),
    ]


@pytest.mark.node
def test_api_schema_equals_apollos() -> None:
    sdl = (FIXTURES / "api.graphql").read_text()
    printed = run_reference({"supergraphSdl": sdl, "apiSchema": True})["apiSchema"]
    # Apollo Router adds @defer to the API schema when it supports it (toAPISchema's
    # includeDefer, and includeStream for @stream); so does ours
    added = f"{print_ast(DEFER_DEFINITION)}\n{print_ast(STREAM_DEFINITION)}"
    theirs = build_schema(f"{printed}\n{added}")
    ours = load_supergraph(sdl).api_schema
    assert print_schema(lexicographic_sort_schema(ours)) == print_schema(
        lexicographic_sort_schema(theirs)
    )
