"""Composition: @interfaceObject: an interface's fields added by a subgraph that only knows it as an object.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "interface_object": [
        (
            "media",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { media: [Media!]! }
interface Media @key(fields: "id") { id: ID! title: String! }
type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int }
type Movie implements Media @key(fields: "id") { id: ID! title: String! }
""",
        ),
        (
            "reviews",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])
type Media @key(fields: "id") @interfaceObject { id: ID! reviewCount: Int! }
""",
        ),
    ],
    "entity_interface": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { n: [Node] }
interface Node @key(fields: "id") { id: ID! }
type A implements Node @key(fields: "id") { id: ID! a: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])
type Node @key(fields: "id") @interfaceObject { id: ID! extra: String }
type Query { nodes: [Node] }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "interface_object": '''schema
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

type Book implements Media
  @join__implements(graph: MEDIA, interface: "Media")
  @join__type(graph: MEDIA, key: "id")
{
  id: ID!
  title: String!
  pages: Int
  reviewCount: Int! @join__field
}

scalar join__FieldSet

enum join__Graph {
  MEDIA @join__graph(name: "media", url: "http://media.example:4000/graphql")
  REVIEWS @join__graph(name: "reviews", url: "http://reviews.example:4000/graphql")
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

interface Media
  @join__type(graph: MEDIA, key: "id")
  @join__type(graph: REVIEWS, key: "id", isInterfaceObject: true)
{
  id: ID!
  title: String! @join__field(graph: MEDIA)
  reviewCount: Int! @join__field(graph: REVIEWS)
}

type Movie implements Media
  @join__implements(graph: MEDIA, interface: "Media")
  @join__type(graph: MEDIA, key: "id")
{
  id: ID!
  title: String!
  reviewCount: Int! @join__field
}

type Query
  @join__type(graph: MEDIA)
  @join__type(graph: REVIEWS)
{
  media: [Media!]! @join__field(graph: MEDIA)
}
''',
    "entity_interface": '''schema
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

type A implements Node
  @join__implements(graph: A, interface: "Node")
  @join__type(graph: A, key: "id")
{
  id: ID!
  a: Int
  extra: String @join__field
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

interface Node
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id", isInterfaceObject: true)
{
  id: ID!
  extra: String @join__field(graph: B)
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  n: [Node] @join__field(graph: A)
  nodes: [Node] @join__field(graph: B)
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]
