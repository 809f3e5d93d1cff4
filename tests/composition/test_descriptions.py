"""Composition: Descriptions and deprecations.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "descriptions": [
        (
            "a",
            '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
"""The root"""
type Query {
  "Look up a user"
  user("the id" id: ID!): User @shareable
  old: String @deprecated(reason: "use user")
}
"""
A person with an account; this description is long enough to print over several lines.
"""
type User @key(fields: "id") { id: ID! "the name" name: String @shareable }
enum Level { "low" LOW HIGH @deprecated }
''',
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { user(id: ID!): User @shareable }
type User @key(fields: "id") { id: ID! "Display name" name: String @shareable }
""",
        ),
    ],
    "arg_descriptions": [
        (
            "a",
            '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query {
  search(
    "what to look for"
    text: String!
    """
    how many, at most; a long description that goes past seventy characters for sure
    """
    first: Int = 10 @deprecated(reason: "use limit")
    limit: Int
  ): [String]
}
''',
        ),
    ],
    "deprecations": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a(x: In): E @deprecated }
enum E { A B @deprecated(reason: "gone") }
input In { old: Int @deprecated(reason: "no") new: Int }
""",
        ),
    ],
    "long_description_type": [
        (
            "a",
            '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
"""
Line one
Line two
"""
type Query { a: Int }
"""A description that is exactly long enough to go over the seventy chars limit."""
scalar Big
type Query2 { b: Big }
''',
        ),
    ],
    "value_type_descriptions_differ": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
"One"
type P @shareable { "x1" x: Int }
type Query { a: P }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
"Two"
type P @shareable { "x2" x: Int }
type Query { b: P }
""",
        ),
        (
            "c",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
"Two"
type P @shareable { x: Int }
type Query { c: P }
""",
        ),
    ],
    "deprecated_conflict": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { t: Int @shareable @deprecated(reason: "a") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { t: Int @shareable @deprecated(reason: "b") }
""",
        ),
    ],
    "desc_on_enum_values": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { e: E @shareable }
"Enum"
enum E { "first" A "second" B }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { e: E @shareable }
enum E { A "second!" B C }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "descriptions": '''schema
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

enum Level
  @join__type(graph: A)
{
  """low"""
  LOW @join__enumValue(graph: A)
  HIGH @join__enumValue(graph: A) @deprecated
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

"""The root"""
type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  """Look up a user"""
  user(
    """the id"""
    id: ID!
  ): User
  old: String @join__field(graph: A) @deprecated(reason: "use user")
}

"""
A person with an account; this description is long enough to print over several lines.
"""
type User
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!

  """the name"""
  name: String
}
''',
    "arg_descriptions": '''schema
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
  search(
    """what to look for"""
    text: String!

    """
    how many, at most; a long description that goes past seventy characters for sure
    """
    first: Int = 10 @deprecated(reason: "use limit")
    limit: Int
  ): [String]
}
''',
    "deprecations": '''schema
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

enum E
  @join__type(graph: A)
{
  A @join__enumValue(graph: A)
  B @join__enumValue(graph: A) @deprecated(reason: "gone")
}

input In
  @join__type(graph: A)
{
  old: Int @deprecated(reason: "no")
  new: Int
}

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
  a(x: In): E @deprecated
}
''',
    "long_description_type": '''schema
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

"""
A description that is exactly long enough to go over the seventy chars limit.
"""
scalar Big
  @join__type(graph: A)

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

"""
Line one
Line two
"""
type Query
  @join__type(graph: A)
{
  a: Int
}

type Query2
  @join__type(graph: A)
{
  b: Big
}
''',
    "value_type_descriptions_differ": '''schema
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
  C @join__graph(name: "c", url: "http://c.example:4000/graphql")
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

"""Two"""
type P
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: C)
{
  """x1"""
  x: Int
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: C)
{
  a: P @join__field(graph: A)
  b: P @join__field(graph: B)
  c: P @join__field(graph: C)
}
''',
    "deprecated_conflict": '''schema
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
  t: Int @deprecated(reason: "a")
}
''',
    "desc_on_enum_values": '''schema
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

"""Enum"""
enum E
  @join__type(graph: A)
  @join__type(graph: B)
{
  """first"""
  A @join__enumValue(graph: A) @join__enumValue(graph: B)

  """second"""
  B @join__enumValue(graph: A) @join__enumValue(graph: B)
  C @join__enumValue(graph: B)
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
  e: E
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]
