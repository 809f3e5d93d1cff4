"""Composition: @external, @requires and @provides.

Inline subgraph SDLs and the whole expected supergraph, identical to @apollo/composition 2.14.4's
output for the same subgraphs (test_reference.py cross-checks them against the real thing).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "requires": [
        (
            "products",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { product(id: ID!): Product }
type Product @key(fields: "id") { id: ID! weight: Int! size: Int! }
""",
        ),
        (
            "shipping",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Product @key(fields: "id") {
  id: ID!
  weight: Int! @external
  size: Int! @external
  shippingEstimate: Int! @requires(fields: "weight size")
}
""",
        ),
    ],
    "provides": [
        (
            "accounts",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { me: User }
type User @key(fields: "id") { id: ID! username: String! @shareable }
""",
        ),
        (
            "reviews",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { reviews: [Review!]! }
type Review { id: ID! author: User! @provides(fields: "username") }
type User @key(fields: "id") { id: ID! username: String! @external }
""",
        ),
    ],
    "nested_requires": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t: T }
type T @key(fields: "id") { id: ID! dims: Dims }
type Dims @shareable { w: Int h: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "id") { id: ID! dims: Dims @external area: Int @requires(fields: "dims { w h }") }
type Dims @shareable { w: Int h: Int }
""",
        ),
    ],
    "nested_provides": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t: T }
type T @key(fields: "id") { id: ID! owner: U @shareable }
type U @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { ts: [T] @provides(fields: "owner { name }") }
type T @key(fields: "id") { id: ID! owner: U @external }
type U @key(fields: "id") { id: ID! name: String @external }
""",
        ),
    ],
    # Below an interface field that is @external in an implementation, leaves need not be
    # @external (Apollo's validateFieldSetSelections; the planner's zoo fixture).
    "provides_below_interface_field_external_in_implementation": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable @provides(fields: "owner { name }") }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner @external }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner @shareable }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "requires": '''schema
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
  PRODUCTS @join__graph(name: "products", url: "http://products.example:4000/graphql")
  SHIPPING @join__graph(name: "shipping", url: "http://shipping.example:4000/graphql")
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

type Product
  @join__type(graph: PRODUCTS, key: "id")
  @join__type(graph: SHIPPING, key: "id")
{
  id: ID!
  weight: Int! @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)
  size: Int! @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)
  shippingEstimate: Int! @join__field(graph: SHIPPING, requires: "weight size")
}

type Query
  @join__type(graph: PRODUCTS)
  @join__type(graph: SHIPPING)
{
  product(id: ID!): Product @join__field(graph: PRODUCTS)
}
''',
    "provides": '''schema
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
  ACCOUNTS @join__graph(name: "accounts", url: "http://accounts.example:4000/graphql")
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

type Query
  @join__type(graph: ACCOUNTS)
  @join__type(graph: REVIEWS)
{
  me: User @join__field(graph: ACCOUNTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
}

type Review
  @join__type(graph: REVIEWS)
{
  id: ID!
  author: User! @join__field(graph: REVIEWS, provides: "username")
}

type User
  @join__type(graph: ACCOUNTS, key: "id")
  @join__type(graph: REVIEWS, key: "id")
{
  id: ID!
  username: String! @join__field(graph: ACCOUNTS) @join__field(graph: REVIEWS, external: true)
}
''',
    "nested_requires": '''schema
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

type Dims
  @join__type(graph: A)
  @join__type(graph: B)
{
  w: Int
  h: Int
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
  t: T @join__field(graph: A)
}

type T
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  dims: Dims @join__field(graph: A) @join__field(graph: B, external: true)
  area: Int @join__field(graph: B, requires: "dims { w h }")
}
''',
    "nested_provides": '''schema
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
  t: T @join__field(graph: A)
  ts: [T] @join__field(graph: B, provides: "owner { name }")
}

type T
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  owner: U @join__field(graph: A) @join__field(graph: B, external: true)
}

type U
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  name: String @join__field(graph: A) @join__field(graph: B, external: true)
}
''',
    "provides_below_interface_field_external_in_implementation": '''schema
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
  @join__implements(graph: A, interface: "Media")
  @join__implements(graph: B, interface: "Media")
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  owner: Owner @join__field(graph: A, external: true) @join__field(graph: B)
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

interface Media
  @join__type(graph: A)
  @join__type(graph: B)
{
  id: ID!
  owner: Owner
}

type Owner
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  name: String
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  media: Media @join__field(graph: A, provides: "owner { name }") @join__field(graph: B)
}
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composes_to_the_expected_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]


ERROR_CASES: dict[str, list[tuple[str, str]]] = {
    # No implementation has the interface field @external: the leaf must be @external.
    "provides_below_interface_field_not_external": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable @provides(fields: "owner { name }") }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner @shareable }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner @shareable }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
    ],
    # The @provides makes the implementation's @external field shareable in "a" (Apollo's
    # computeShareables includes interface field implementations), so "b" must share it too.
    "provides_through_interface_field_needs_shareable": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable @provides(fields: "owner { name }") }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner @external }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { media: Media @shareable }
interface Media { id: ID! owner: Owner }
type Book implements Media @key(fields: "id") { id: ID! owner: Owner }
type Owner @key(fields: "id") { id: ID! name: String @shareable }
""",
        ),
    ],
}

ERROR_MESSAGES: dict[str, list[str]] = {
    "provides_below_interface_field_not_external": [
        'PROVIDES_FIELDS_MISSING_EXTERNAL: [a] On field "Query.media", for @provides(fields: "owner'
        ' { name }"): field "Owner.name" should not be part of a @provides since it is already'
        " provided by this subgraph (it is not marked @external)"
    ],
    "provides_through_interface_field_needs_shareable": [
        'INVALID_FIELD_SHARING: Non-shareable field "Book.owner" is resolved from multiple'
        ' subgraphs: it is resolved from subgraphs "a" and "b" and defined as non-shareable in'
        ' subgraph "b"'
    ],
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_reports_apollos_errors(name: str) -> None:
    result = compose_case(ERROR_CASES[name])

    assert result.supergraph_sdl is None
    assert [f"{error.code}: {error.message}" for error in result.errors] == ERROR_MESSAGES[name]
