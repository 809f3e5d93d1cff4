"""Composition: Interfaces and unions spread across subgraphs.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "union_members": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { search: [Result!]! }
union Result = Book | Author
type Book @key(fields: "id") { id: ID! title: String }
type Author @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { find: [Result!]! }
union Result = Book | Film
type Book @key(fields: "id") { id: ID! year: Int }
type Film @key(fields: "id") { id: ID! }
""",
        ),
    ],
    "interface_spread": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { nodes: [Node!]! }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
interface Node { id: ID! }
type Product implements Node @key(fields: "id") { id: ID! price: Int }
type Query { products: [Product] }
""",
        ),
    ],
    "interface_value_type": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { i: I @shareable }
interface I { x: Int }
type A implements I @shareable { x: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { i: I @shareable }
interface I { x: Int y: Int }
type A implements I @shareable { x: Int y: Int }
""",
        ),
    ],
    "provides_interface": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { n: [Node] }
interface Node { id: ID! name: String }
type U implements Node @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { ns: [Node] @provides(fields: "... on U { name }") }
interface Node { id: ID! name: String }
type U implements Node @key(fields: "id") { id: ID! name: String @external }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "union_members": '''schema
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

type Author
  @join__type(graph: A, key: "id")
{
  id: ID!
}

type Book
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  title: String @join__field(graph: A)
  year: Int @join__field(graph: B)
}

type Film
  @join__type(graph: B, key: "id")
{
  id: ID!
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
  search: [Result!]! @join__field(graph: A)
  find: [Result!]! @join__field(graph: B)
}

union Result
  @join__type(graph: A)
  @join__type(graph: B)
  @join__unionMember(graph: A, member: "Book")
  @join__unionMember(graph: B, member: "Book")
  @join__unionMember(graph: A, member: "Author")
  @join__unionMember(graph: B, member: "Film")
 = Book | Author | Film
''',
    "interface_spread": '''schema
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

interface Node
  @join__type(graph: A)
  @join__type(graph: B)
{
  id: ID!
}

type Product implements Node
  @join__implements(graph: B, interface: "Node")
  @join__type(graph: B, key: "id")
{
  id: ID!
  price: Int
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  nodes: [Node!]! @join__field(graph: A)
  products: [Product] @join__field(graph: B)
}

type User implements Node
  @join__implements(graph: A, interface: "Node")
  @join__type(graph: A, key: "id")
{
  id: ID!
  name: String
}
''',
    "interface_value_type": '''schema
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

type A implements I
  @join__implements(graph: A, interface: "I")
  @join__implements(graph: B, interface: "I")
  @join__type(graph: A)
  @join__type(graph: B)
{
  x: Int
  y: Int @join__field(graph: B)
}

interface I
  @join__type(graph: A)
  @join__type(graph: B)
{
  x: Int
  y: Int @join__field(graph: B)
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
  i: I
}
''',
    "provides_interface": '''schema
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

interface Node
  @join__type(graph: A)
  @join__type(graph: B)
{
  id: ID!
  name: String
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  n: [Node] @join__field(graph: A)
  ns: [Node] @join__field(graph: B, provides: "... on U { name }")
}

type U implements Node
  @join__implements(graph: A, interface: "Node")
  @join__implements(graph: B, interface: "Node")
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  name: String @join__field(graph: A) @join__field(graph: B, external: true)
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]
