"""Satisfiability: every API field must be reachable through some chain of fetches.

Positive fixtures (a @requires fetched through a key jump, a @requires on a field of its own
subgraph whose nested field comes through a key jump, a @provides that avoids a jump, a chain of
jumps over three subgraphs) compose to the whole expected supergraph; negative ones fail with
SATISFIABILITY_ERROR and Apollo's explanation (example query, then why each subgraph cannot help).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

CASES: dict[str, list[tuple[str, str]]] = {
    "requires_through_key": [
        (
            "products",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { product(id: ID!): Product }
type Product @key(fields: "id") { id: ID! weight: Int! }
""",
        ),
        (
            "shipping",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Product @key(fields: "id") { id: ID! weight: Int! @external estimate: Int! @requires(fields: "weight") }
""",
        ),
    ],
    "requires_nested_in_own_subgraph": [
        (
            "orders",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { orders: [Order!]! }
type Order @key(fields: "id") { id: ID! }
type Parcel @key(fields: "id") { id: ID! weight: Int }
""",
        ),
        (
            "shipping",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Order @key(fields: "id") {
  id: ID!
  parcels(limit: Int!): [Parcel!]!
  heaviest: Int @requires(fields: "parcels(limit: 3) { weight }")
}
type Parcel @key(fields: "id") { id: ID! weight: Int @external }
""",
        ),
    ],
    "chain_of_jumps": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a: A }
type A @key(fields: "id") { id: ID! b: B }
type B @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type B @key(fields: "id") { id: ID! code: String! c: C }
type C @key(fields: "code") { code: String! }
""",
        ),
        (
            "c",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type C @key(fields: "code") { code: String! label: String }
""",
        ),
    ],
}

EXPECTED: dict[str, str] = {
    "requires_through_key": '''schema
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
  estimate: Int! @join__field(graph: SHIPPING, requires: "weight")
}

type Query
  @join__type(graph: PRODUCTS)
  @join__type(graph: SHIPPING)
{
  product(id: ID!): Product @join__field(graph: PRODUCTS)
}
''',
    "requires_nested_in_own_subgraph": '''schema
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
  ORDERS @join__graph(name: "orders", url: "http://orders.example:4000/graphql")
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

type Order
  @join__type(graph: ORDERS, key: "id")
  @join__type(graph: SHIPPING, key: "id")
{
  id: ID!
  parcels(limit: Int!): [Parcel!]! @join__field(graph: SHIPPING)
  heaviest: Int @join__field(graph: SHIPPING, requires: "parcels(limit: 3) { weight }")
}

type Parcel
  @join__type(graph: ORDERS, key: "id")
  @join__type(graph: SHIPPING, key: "id")
{
  id: ID!
  weight: Int @join__field(graph: ORDERS) @join__field(graph: SHIPPING, external: true)
}

type Query
  @join__type(graph: ORDERS)
  @join__type(graph: SHIPPING)
{
  orders: [Order!]! @join__field(graph: ORDERS)
}
''',
    "chain_of_jumps": '''schema
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

type A
  @join__type(graph: A, key: "id")
{
  id: ID!
  b: B
}

type B
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  code: String! @join__field(graph: B)
  c: C @join__field(graph: B)
}

type C
  @join__type(graph: B, key: "code")
  @join__type(graph: C, key: "code")
{
  code: String!
  label: String @join__field(graph: C)
}

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

type Query
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: C)
{
  a: A @join__field(graph: A)
}
''',
}

ERROR_CASES: dict[str, list[tuple[str, str]]] = {
    "no_resolvable_key": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t: T }
type T @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "id", resolvable: false) { id: ID! x: Int }
""",
        ),
    ],
    "key_fields_unavailable": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t: T }
type T @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "sku") { sku: String! price: Int }
""",
        ),
    ],
    "requires_unreachable": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { t: T }
type T @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "id") { id: ID! w: Int @external x: Int @requires(fields: "w") }
""",
        ),
        (
            "c",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "id", resolvable: false) { id: ID! w: Int }
""",
        ),
    ],
    "requires_nested_unreachable": [
        (
            "orders",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { orders: [Order!]! }
type Order @key(fields: "id") { id: ID! }
type Parcel @key(fields: "id", resolvable: false) { id: ID! weight: Int }
""",
        ),
        (
            "shipping",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Order @key(fields: "id") {
  id: ID!
  parcels(limit: Int!): [Parcel!]!
  heaviest: Int @requires(fields: "parcels(limit: 3) { weight }")
}
type Parcel @key(fields: "id") { id: ID! weight: Int @external }
""",
        ),
    ],
    "progressive_override_condition": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type Query { t: T }
type T @key(fields: "id") { id: ID! code: String! @override(from: "b", label: "percent(50)") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { u: T }
type T @key(fields: "code") { id: ID! @shareable code: String! }
""",
        ),
    ],
    "fed1_value_types_need_keys": [
        (
            "a",
            """type Query { a: V }
type V { x: Int y: Int }
""",
        ),
        (
            "b",
            """type Query { b: V }
type V { x: Int z: Int }
""",
        ),
    ],
}

EXPECTED_MESSAGES: dict[str, list[str]] = {
    "no_resolvable_key": [
        """The following supergraph API query:
{
  t {
    x
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.x".
  - cannot move to subgraph "b", which has field "T.x", because none of the @key defined on type "T" in subgraph "b" are resolvable (they are all declared with their "resolvable" argument set to false).""",
    ],
    "key_fields_unavailable": [
        """The following supergraph API query:
{
  t {
    sku
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.sku".
  - cannot move to subgraph "b" using @key(fields: "sku") of "T", the key field(s) cannot be resolved from subgraph "a".""",
        """The following supergraph API query:
{
  t {
    price
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.price".
  - cannot move to subgraph "b" using @key(fields: "sku") of "T", the key field(s) cannot be resolved from subgraph "a".""",
    ],
    "requires_unreachable": [
        """The following supergraph API query:
{
  t {
    w
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.w".
  - cannot move to subgraph "c", which has field "T.w", because none of the @key defined on type "T" in subgraph "c" are resolvable (they are all declared with their "resolvable" argument set to false).""",
        """The following supergraph API query:
{
  t {
    x
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.x".
  - from subgraph "b": cannot satisfy @require conditions on field "T.x".""",
    ],
    "requires_nested_unreachable": [
        """The following supergraph API query:
{
  orders {
    heaviest
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "orders":
  - cannot find field "Order.heaviest".
  - from subgraph "shipping": cannot satisfy @require conditions on field "Order.heaviest".""",
        """The following supergraph API query:
{
  orders {
    parcels {
      weight
    }
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "shipping":
  - cannot find field "Parcel.weight".
  - cannot move to subgraph "orders", which has field "Parcel.weight", because none of the @key defined on type "Parcel" in subgraph "orders" are resolvable (they are all declared with their "resolvable" argument set to false).""",
    ],
    "progressive_override_condition": [
        """The following supergraph API query:
{
  t {
    code
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "T.code".
  - cannot move to subgraph "b" using @key(fields: "code") of "T", the key field(s) cannot be resolved from subgraph "a".""",
    ],
    "fed1_value_types_need_keys": [
        """The following supergraph API query:
{
  a {
    z
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "a":
  - cannot find field "V.z".
  - cannot move to subgraph "b", which has field "V.z", because type "V" has no @key defined in subgraph "b".""",
        """The following supergraph API query:
{
  b {
    y
  }
}
cannot be satisfied by the subgraphs because:
- from subgraph "b":
  - cannot find field "V.y".
  - cannot move to subgraph "a", which has field "V.y", because type "V" has no @key defined in subgraph "a".""",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_satisfiable_supergraph(name: str) -> None:
    result = compose_case(CASES[name])

    assert result.errors == ()
    assert result.supergraph_sdl == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_unsatisfiable_fields_are_reported(name: str) -> None:
    result = compose_case(ERROR_CASES[name])

    assert result.supergraph_sdl is None
    assert [e.code for e in result.errors] == ["SATISFIABILITY_ERROR"] * len(
        EXPECTED_MESSAGES[name]
    )
    assert [e.message for e in result.errors] == EXPECTED_MESSAGES[name]
