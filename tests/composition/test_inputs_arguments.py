"""Composition: Input types and field arguments merge by intersection.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "inputs": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input Filter { name: String limit: Int = 10 tag: String }
type Query { users(filter: Filter, first: Int, after: String): [String] @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input Filter { name: String limit: Int = 10 }
type Query { users(filter: Filter, first: Int): [String] @shareable }
""",
        ),
    ],
    "arg_default_same": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t(x: Int = 1, y: [String!] = ["a"]): Int @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t(x: Int = 1, y: [String!] = ["a"]): Int @shareable }
""",
        ),
    ],
    "input_types_subtype": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { x: Int! }
type Query { a(i: In): Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { x: Int }
type Query { b(i: In): Int }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "inputs": '''schema
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

input Filter
  @join__type(graph: A)
  @join__type(graph: B)
{
  name: String
  limit: Int = 10
}

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

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  users(filter: Filter, first: Int): [String]
}
''',
    "arg_default_same": '''schema
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

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  t(x: Int = 1, y: [String!] = ["a"]): Int
}
''',
    "input_types_subtype": '''schema
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

input In
  @join__type(graph: A)
  @join__type(graph: B)
{
  x: Int! @join__field(graph: A, type: "Int!") @join__field(graph: B, type: "Int")
}

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

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  a(i: In): Int @join__field(graph: A)
  b(i: In): Int @join__field(graph: B)
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]
