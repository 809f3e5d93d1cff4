"""A small composed supergraph (join v0.3 + the authenticated/requiresScopes specs) for the
authorization tests."""

from __future__ import annotations

from graphql import build_ast_schema, parse

__all__ = ["SCHEMA", "SUPERGRAPH_SDL"]

SUPERGRAPH_SDL = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
{
  query: Query
  mutation: Mutation
}

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

scalar join__FieldSet
scalar link__Import
scalar requiresScopes__Scope
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  ACCOUNTS @join__graph(name: "accounts", url: "http://127.0.0.1:4001/graphql")
  PRODUCTS @join__graph(name: "products", url: "http://127.0.0.1:4002/graphql")
}

type Query @join__type(graph: ACCOUNTS) @join__type(graph: PRODUCTS) {
  me: User @authenticated @join__field(graph: ACCOUNTS)
  users: [User!]! @join__field(graph: ACCOUNTS)
  identities: [Identity!]! @join__field(graph: ACCOUNTS)
  topProducts(first: Int = 5): [Product!]! @join__field(graph: PRODUCTS)
  node(id: ID!): Node @join__field(graph: PRODUCTS)
  search(text: String!): [SearchResult!]! @join__field(graph: PRODUCTS)
  auditLog: [AuditEntry!]! @requiresScopes(scopes: [["audit:read"], ["admin"]]) @join__field(graph: ACCOUNTS)
}

type Mutation @join__type(graph: ACCOUNTS) {
  deleteUser(id: ID!): Boolean @requiresScopes(scopes: [["users:write", "admin"]])
}

interface Node @join__type(graph: PRODUCTS) { id: ID! }

interface Identity @join__type(graph: ACCOUNTS) { id: ID! note: String }

type Staff implements Identity @join__type(graph: ACCOUNTS, key: "id") {
  id: ID!
  note: String @authenticated
}

type Guest implements Identity @join__type(graph: ACCOUNTS, key: "id") {
  id: ID!
  note: String
}

type User implements Node @join__type(graph: ACCOUNTS, key: "id") {
  id: ID!
  username: String
  email: String @requiresScopes(scopes: [["profile:email"]])
  role: Role
  orders: [Order!]! @authenticated
}

enum Role @authenticated @join__type(graph: ACCOUNTS) { ADMIN CUSTOMER }

scalar Money @requiresScopes(scopes: [["billing"]]) @join__type(graph: ACCOUNTS)

type Order @join__type(graph: ACCOUNTS, key: "id") { id: ID! total: Money }

type Product implements Node @join__type(graph: PRODUCTS, key: "upc") {
  id: ID!
  upc: String!
  name: String
  internalCost: Int @requiresScopes(scopes: [["staff"]])
}

type Secret implements Node @authenticated @join__type(graph: PRODUCTS, key: "id") {
  id: ID!
  code: String
}

union SearchResult @join__type(graph: PRODUCTS) = User | Product | Secret

type AuditEntry @join__type(graph: ACCOUNTS) { id: ID! }
"""

SCHEMA = build_ast_schema(parse(SUPERGRAPH_SDL))
