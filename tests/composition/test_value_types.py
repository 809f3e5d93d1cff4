"""Composition: Value types: identical shareable object types, scalars and unions in several subgraphs.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "shared_value_type": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a: Money }
type Money @shareable { amount: Int! currency: Currency! }
scalar Currency
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { b: Money }
type Money @shareable { amount: Int! currency: Currency! }
scalar Currency
""",
        ),
    ],
    "specified_by": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
scalar URL @specifiedBy(url: "https://tools.ietf.org/html/rfc3986")
type Query { u: URL }
""",
        ),
    ],
    "shareable_repeat": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.2", import: ["@key", "@shareable"])
type Query { a: P }
type P @shareable { x: Int }
extend type P @shareable { y: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.2", import: ["@key", "@shareable"])
type Query { b: P }
type P @shareable { x: Int y: Int }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "shared_value_type": '''schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar Currency
  @join__type(graph: A)
  @join__type(graph: B)

scalar join__FieldSet

enum join__Graph {
  A @join__graph(name: "a", url: "http://a.example:4000/graphql")
  B @join__graph(name: "b", url: "http://b.example:4000/graphql")
}

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}

type Money
  @join__type(graph: A)
  @join__type(graph: B)
{
  amount: Int!
  currency: Currency!
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  a: Money @join__field(graph: A)
  b: Money @join__field(graph: B)
}
''',
    "specified_by": '''schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

enum join__Graph {
  A @join__graph(name: "a", url: "http://a.example:4000/graphql")
}

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}

type Query
  @join__type(graph: A)
{
  u: URL
}

scalar URL
  @join__type(graph: A)
  @specifiedBy(url: "https://tools.ietf.org/html/rfc3986")
''',
    "shareable_repeat": '''schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

enum join__Graph {
  A @join__graph(name: "a", url: "http://a.example:4000/graphql")
  B @join__graph(name: "b", url: "http://b.example:4000/graphql")
}

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}

type P
  @join__type(graph: A)
  @join__type(graph: B)
{
  x: Int
  y: Int
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  a: P @join__field(graph: A)
  b: P @join__field(graph: B)
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]
