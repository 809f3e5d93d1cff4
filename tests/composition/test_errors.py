"""Composition errors: each fixture must fail with exactly Apollo's error codes.

One inline fixture per error code (plus the codes Apollo reports alongside it); the same
fixtures fail with the same codes in @apollo/composition 2.14.4 (test_reference.py).
"""

from __future__ import annotations

import pytest

from tests.composition.support import compose_case

ERROR_CASES: dict[str, list[tuple[str, str]]] = {
    "INVALID_FIELD_SHARING": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a: Int }
type P @key(fields: "id") { id: ID! name: String }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { b: P }
type P @key(fields: "id") { id: ID! name: String }
""",
        ),
    ],
    "KEY_FIELDS_SELECT_INVALID_TYPE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
interface I { x: Int }
type X implements I { x: Int }
type P @key(fields: "i { x }") { i: I! }
""",
        ),
    ],
    "KEY_FIELDS_HAS_ARGS": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id(x: Int): ID! }
""",
        ),
    ],
    "KEY_INVALID_FIELDS": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "uuid") { id: ID! }
""",
        ),
    ],
    "EXTERNAL_MISSING_ON_BASE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id: ID! w: Int @external x: Int @requires(fields: "w") }
""",
        ),
    ],
    "REQUIRES_INVALID_FIELDS": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id: ID! x: Int @requires(fields: "nope") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type P @key(fields: "id") { id: ID! w: Int }
""",
        ),
    ],
    "REQUIRES_FIELDS_MISSING_EXTERNAL": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id: ID! w: Int x: Int @requires(fields: "w") }
""",
        ),
    ],
    "PROVIDES_INVALID_FIELDS": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P @provides(fields: "nope") }
type P @key(fields: "id") { id: ID! }
""",
        ),
    ],
    "PROVIDES_FIELDS_MISSING_EXTERNAL": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P @provides(fields: "name") }
type P @key(fields: "id") { id: ID! name: String }
""",
        ),
    ],
    "PROVIDES_ON_NON_OBJECT_FIELD": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { n: Int @provides(fields: "x") }
""",
        ),
    ],
    "EXTERNAL_UNUSED": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id: ID! name: String @external }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type P @key(fields: "id") { id: ID! name: String }
""",
        ),
    ],
    "FIELD_TYPE_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @shareable { x: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { q: P }
type P @shareable { x: String }
""",
        ),
    ],
    "FIELD_ARGUMENT_TYPE_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p(x: Int): Int @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p(x: String): Int @shareable }
""",
        ),
    ],
    "EXTERNAL_TYPE_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: P }
type P @key(fields: "id") { id: ID! w: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type P @key(fields: "id") { id: ID! w: String @external x: Int @requires(fields: "w") }
""",
        ),
    ],
    "ENUM_VALUE_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum E { A B }
type Query { e(x: E): E @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum E { A }
type Query { e(x: E): E @shareable }
""",
        ),
    ],
    "EMPTY_MERGED_ENUM_TYPE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum E { A }
type Query { a(x: E): Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum E { B }
type Query { b(x: E): Int }
""",
        ),
    ],
    "EMPTY_MERGED_INPUT_TYPE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { a: Int }
type Query { a(x: In): Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { b: Int }
type Query { b(x: In): Int }
""",
        ),
    ],
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { a: Int! c: Int }
type Query { a(x: In): Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { c: Int }
type Query { b(x: In): Int }
""",
        ),
    ],
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p(x: Int!): Int @shareable }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: Int @shareable }
""",
        ),
    ],
    "INVALID_GRAPHQL": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { p: Unknown }
""",
        ),
    ],
    "TYPE_KIND_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a: T }
type T { x: Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { b: T }
interface T { x: Int }
""",
        ),
    ],
    "OVERRIDE_SOURCE_HAS_OVERRIDE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type Query { p: P }
type P @key(fields: "id") { id: ID! x: Int @override(from: "b") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type P @key(fields: "id") { id: ID! x: Int @override(from: "a") }
""",
        ),
    ],
    "OVERRIDE_FROM_SELF_ERROR": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type Query { p: P }
type P @key(fields: "id") { id: ID! x: Int @override(from: "a") }
""",
        ),
    ],
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override", "@external", "@requires"])
type Query { p: P }
type P @key(fields: "id") { id: ID! w: Int x: Int @override(from: "b") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])
type P @key(fields: "id") { id: ID! w: Int @external x: Int @requires(fields: "w") }
""",
        ),
    ],
    "OVERRIDE_LABEL_INVALID": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type Query { p: P }
type P @key(fields: "id") { id: ID! x: Int @override(from: "b", label: "1bad label") }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type P @key(fields: "id") { id: ID! x: Int }
""",
        ),
    ],
    "INTERFACE_FIELD_NO_IMPLEM": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { n: N }
interface N { id: ID! }
type U implements N @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
interface N { id: ID! name: String }
type V implements N { id: ID! name: String }
type Query { v: V }
""",
        ),
    ],
    "ROOT_QUERY_USED": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
schema { query: RootQuery }
type RootQuery { a: Int }
type Query { b: Int }
""",
        ),
    ],
    "DIRECTIVE_DEFINITION_INVALID": [
        (
            "a",
            """directive @key(resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
type Query { a: Int }
type T @key { id: ID! }
""",
        ),
    ],
    "UNKNOWN_FEDERATION_LINK_VERSION": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.99", import: ["@key"])
type Query { a: Int }
""",
        ),
    ],
    "INVALID_LINK_DIRECTIVE_USAGE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@cost"])
type Query { a: Int }
""",
        ),
    ],
    "SATISFIABILITY_ERROR": [
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
    "INPUT_FIELD_DEFAULT_MISMATCH": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { a: Int = 1 }
type Query { a(x: In): Int }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
input In { a: Int = 2 }
type Query { b(x: In): Int }
""",
        ),
    ],
    "EXTENSION_WITH_NO_BASE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { a: Int }
extend type T @key(fields: "id") { id: ID! }
""",
        ),
    ],
    "ONLY_INACCESSIBLE_CHILDREN": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@inaccessible", "@tag"])
type Query { a: Int b(secret: Int @inaccessible): Int }
type Hidden @inaccessible { x: Int }
input In { a: Int b: Int @inaccessible }
type Query2 { q(i: In): Int }
union U @tag(name: "u") = Hidden
scalar S @inaccessible
""",
        ),
    ],
    "REFERENCED_INACCESSIBLE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@inaccessible"])
type Query { h: Hidden }
type Hidden @inaccessible { x: Int }
""",
        ),
    ],
    "REQUIRED_INACCESSIBLE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@inaccessible"])
type Query { a(x: Int! @inaccessible): Int }
""",
        ),
    ],
    "LIST_SIZE_INVALID_SLICING_ARGUMENT": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize"])
type Query { items(first: String): [Int] @listSize(slicingArguments: ["first", "nope"]) }
""",
        ),
    ],
    "LIST_SIZE_APPLIED_TO_NON_LIST": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize"])
type Query { item: Int @listSize(assumedSize: -1) }
""",
        ),
    ],
    "LIST_SIZE_INVALID_SIZED_FIELD": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
type Query { items(first: Int @cost(weight: 2)): [Item] @listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false) }
type Item @cost(weight: 3) { id: ID }
enum Kind @cost(weight: 1) { A }
scalar Big @cost(weight: 4)
input In { x: Int @cost(weight: 5) }
type Query2 { k(i: In): Kind b: Big }
""",
        ),
    ],
    "COST_APPLIED_TO_INTERFACE_FIELD": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost"])
type Query { i: I }
interface I { x: Int @cost(weight: 1) }
type O implements I { x: Int }
""",
        ),
    ],
    "EXTERNAL_ON_INTERFACE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { i: I }
interface I { x: Int @external }
type A implements I { x: Int }
""",
        ),
    ],
    "INVALID_SHAREABLE_USAGE": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { i: I }
interface I { x: Int @shareable }
type A implements I { x: Int }
""",
        ),
    ],
    "INTERFACE_OBJECT_USAGE_ERROR": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])
type Query { i: I }
type I @key(fields: "id") @interfaceObject { id: ID! }
""",
        ),
    ],
    "NO_QUERIES": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type T @key(fields: "id") { id: ID! }
""",
        ),
    ],
    "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { search: [Result] @shareable }
union Result = Book | Film
type Book @key(fields: "id") { id: ID! }
type Film @key(fields: "id") { id: ID! }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
type Query { search: [Result] @shareable }
union Result = Song
type Song @key(fields: "id") { id: ID! }
""",
        ),
    ],
    "ENUM_VALUE_MISMATCH:input_field_merged_away": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum Color { RED BLUE }
input Filter { color: Color limit: Int }
type Query { a(f: Filter): Color }
""",
        ),
        (
            "b",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])
enum Color { RED }
input Filter { limit: Int }
type Query { b(f: Filter): Int }
""",
        ),
    ],
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { n: Node }
interface Node @key(fields: "id") { id: ID! }
type A implements Node @key(fields: "id") { id: ID! }
type B implements Node { id: ID! }
type C implements Node { id: ID! }
""",
        ),
    ],
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION:unresolvable": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { n: Node }
interface Node @key(fields: "id") { id: ID! }
type A implements Node @key(fields: "id", resolvable: false) { id: ID! }
""",
        ),
    ],
    "DIRECTIVE_COMPOSITION_ERROR": [
        (
            "a",
            """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@composeDirective"]) @composeDirective(name: "@hello")
directive @hello on FIELD_DEFINITION
type Query { a: Int @hello }
""",
        ),
    ],
}

EXPECTED_CODES: dict[str, list[str]] = {
    "INVALID_FIELD_SHARING": ["INVALID_FIELD_SHARING"],
    "KEY_FIELDS_SELECT_INVALID_TYPE": ["KEY_FIELDS_SELECT_INVALID_TYPE"],
    "KEY_FIELDS_HAS_ARGS": ["KEY_FIELDS_HAS_ARGS"],
    "KEY_INVALID_FIELDS": ["KEY_INVALID_FIELDS"],
    "EXTERNAL_MISSING_ON_BASE": ["EXTERNAL_MISSING_ON_BASE"],
    "REQUIRES_INVALID_FIELDS": ["REQUIRES_INVALID_FIELDS"],
    "REQUIRES_FIELDS_MISSING_EXTERNAL": ["REQUIRES_FIELDS_MISSING_EXTERNAL"],
    "PROVIDES_INVALID_FIELDS": ["PROVIDES_INVALID_FIELDS"],
    "PROVIDES_FIELDS_MISSING_EXTERNAL": ["PROVIDES_FIELDS_MISSING_EXTERNAL"],
    "PROVIDES_ON_NON_OBJECT_FIELD": ["PROVIDES_ON_NON_OBJECT_FIELD"],
    "EXTERNAL_UNUSED": ["EXTERNAL_UNUSED"],
    "FIELD_TYPE_MISMATCH": ["FIELD_TYPE_MISMATCH"],
    "FIELD_ARGUMENT_TYPE_MISMATCH": ["FIELD_ARGUMENT_TYPE_MISMATCH"],
    "EXTERNAL_TYPE_MISMATCH": ["EXTERNAL_TYPE_MISMATCH"],
    "ENUM_VALUE_MISMATCH": ["ENUM_VALUE_MISMATCH"],
    "EMPTY_MERGED_ENUM_TYPE": ["EMPTY_MERGED_ENUM_TYPE"],
    "EMPTY_MERGED_INPUT_TYPE": ["EMPTY_MERGED_INPUT_TYPE"],
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH": [
        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
    ],
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH": ["REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"],
    "INVALID_GRAPHQL": ["INVALID_GRAPHQL"],
    "TYPE_KIND_MISMATCH": ["TYPE_KIND_MISMATCH"],
    "OVERRIDE_SOURCE_HAS_OVERRIDE": [
        "INVALID_FIELD_SHARING",
        "OVERRIDE_SOURCE_HAS_OVERRIDE",
        "OVERRIDE_SOURCE_HAS_OVERRIDE",
    ],
    "OVERRIDE_FROM_SELF_ERROR": ["OVERRIDE_FROM_SELF_ERROR"],
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE": [
        "INVALID_FIELD_SHARING",
        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
    ],
    "OVERRIDE_LABEL_INVALID": ["OVERRIDE_LABEL_INVALID"],
    "INTERFACE_FIELD_NO_IMPLEM": ["INTERFACE_FIELD_NO_IMPLEM"],
    "ROOT_QUERY_USED": ["ROOT_QUERY_USED"],
    "DIRECTIVE_DEFINITION_INVALID": ["DIRECTIVE_DEFINITION_INVALID"],
    "UNKNOWN_FEDERATION_LINK_VERSION": ["UNKNOWN_FEDERATION_LINK_VERSION"],
    "INVALID_LINK_DIRECTIVE_USAGE": ["INVALID_LINK_DIRECTIVE_USAGE"],
    "SATISFIABILITY_ERROR": ["SATISFIABILITY_ERROR"],
    "INPUT_FIELD_DEFAULT_MISMATCH": ["INPUT_FIELD_DEFAULT_MISMATCH"],
    "EXTENSION_WITH_NO_BASE": ["EXTENSION_WITH_NO_BASE"],
    "ONLY_INACCESSIBLE_CHILDREN": ["ONLY_INACCESSIBLE_CHILDREN"],
    "REFERENCED_INACCESSIBLE": ["REFERENCED_INACCESSIBLE"],
    "REQUIRED_INACCESSIBLE": ["REQUIRED_INACCESSIBLE"],
    "LIST_SIZE_INVALID_SLICING_ARGUMENT": [
        "LIST_SIZE_INVALID_SLICING_ARGUMENT",
        "LIST_SIZE_INVALID_SLICING_ARGUMENT",
    ],
    "LIST_SIZE_APPLIED_TO_NON_LIST": [
        "LIST_SIZE_APPLIED_TO_NON_LIST",
        "LIST_SIZE_INVALID_ASSUMED_SIZE",
    ],
    "LIST_SIZE_INVALID_SIZED_FIELD": ["LIST_SIZE_INVALID_SIZED_FIELD"],
    "COST_APPLIED_TO_INTERFACE_FIELD": ["COST_APPLIED_TO_INTERFACE_FIELD"],
    "EXTERNAL_ON_INTERFACE": ["EXTERNAL_ON_INTERFACE", "EXTERNAL_UNUSED"],
    "INVALID_SHAREABLE_USAGE": ["INVALID_SHAREABLE_USAGE"],
    "INTERFACE_OBJECT_USAGE_ERROR": ["INTERFACE_OBJECT_USAGE_ERROR"],
    "NO_QUERIES": ["NO_QUERIES"],
    "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES": ["SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES"],
    "ENUM_VALUE_MISMATCH:input_field_merged_away": ["ENUM_VALUE_MISMATCH"],
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": ["INTERFACE_KEY_NOT_ON_IMPLEMENTATION"],
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION:unresolvable": ["INTERFACE_KEY_NOT_ON_IMPLEMENTATION"],
    "DIRECTIVE_COMPOSITION_ERROR": ["DIRECTIVE_COMPOSITION_ERROR"],
}


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_reports_the_error_code(code: str) -> None:
    result = compose_case(ERROR_CASES[code])

    assert result.supergraph_sdl is None
    assert sorted(result.error_codes) == EXPECTED_CODES[code]
    assert code.split(":", maxsplit=1)[0] in result.error_codes
    for error in result.errors:
        assert error.message
        assert error.subgraphs


def test_covers_at_least_twenty_distinct_codes() -> None:
    assert len({code for codes in EXPECTED_CODES.values() for code in codes}) >= 20
