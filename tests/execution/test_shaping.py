"""Response shaping, from the GraphQL spec's examples ("Response Format", "Errors",
"Field Collection", "Handling Field Errors")."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, build_schema, parse

from router.execution import ShapeContext, Shaper
from router.operations import DocumentRules, prepare_document, select_operation

SDL = """
type Query {
  hero(episode: Episode): Character
  strictHero: Character!
  droid(id: ID!): Droid
  search(text: String): [SearchResult!]
  numbers: [Int!]!
  maybeNumbers: [Int]
}
enum Episode { NEWHOPE EMPIRE JEDI }
interface Character { id: ID! name: String friends: [Character] appearsIn: [Episode] }
type Human implements Character {
  id: ID! name: String friends: [Character] appearsIn: [Episode] homePlanet: String
  strictName: String!
}
type Droid implements Character {
  id: ID! name: String friends: [Character] appearsIn: [Episode] primaryFunction: String
}
type Starship { id: ID! name: String! length: Float }
union SearchResult = Human | Droid | Starship
"""
SCHEMA = build_schema(SDL)

LUKE = {"__typename": "Human", "id": "1000", "name": "Luke Skywalker", "homePlanet": "Tatooine"}
R2 = {"__typename": "Droid", "id": "2001", "name": "R2-D2", "primaryFunction": "Astromech"}


def shape(
    query: str,
    data: dict[str, Any] | None,
    variables: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    prepared = prepare_document(DocumentRules.for_schema(SCHEMA), query)
    assert prepared.document is not None, prepared.errors
    operation: OperationDefinitionNode = select_operation(prepared.document, None)
    shaper = Shaper(SCHEMA, operation, prepared.fragments)
    errors = list(errors or [])
    ctx = ShapeContext(errors, [tuple(e["path"]) for e in errors if "path" in e])
    shaped = shaper.variant(variables or {}).shape(data, ctx)
    return {"data": shaped, **({"errors": errors} if errors else {})}


def test_aliases_field_order_and_added_fields_dropped() -> None:
    query = "{ hero { name id luke: __typename } }"
    data = {"hero": {**LUKE, "appearsIn": ["JEDI"]}}
    assert shape(query, data) == {
        "data": {"hero": {"name": "Luke Skywalker", "id": "1000", "luke": "Human"}}
    }


def test_fragments_apply_by_runtime_type_and_merge_in_collection_order() -> None:
    query = """
    query { hero { ...Named ... on Droid { primaryFunction id } ... on Human { homePlanet } } }
    fragment Named on Character { id name }
    """
    assert shape(query, {"hero": R2}) == {
        "data": {"hero": {"id": "2001", "name": "R2-D2", "primaryFunction": "Astromech"}}
    }
    assert shape(query, {"hero": LUKE}) == {
        "data": {"hero": {"id": "1000", "name": "Luke Skywalker", "homePlanet": "Tatooine"}}
    }


def test_union_members_and_abstract_type_conditions() -> None:
    query = """{ search(text: "a") {
        __typename
        ... on Character { name }
        ... on Starship { shipName: name length }
    } }"""
    ship = {"__typename": "Starship", "id": "3000", "shipName": "Falcon", "length": 34.37}
    assert shape(query, {"search": [LUKE, ship, R2]}) == {
        "data": {
            "search": [
                {"__typename": "Human", "name": "Luke Skywalker"},
                {"__typename": "Starship", "shipName": "Falcon", "length": 34.37},
                {"__typename": "Droid", "name": "R2-D2"},
            ]
        }
    }


def test_skip_and_include_with_variables_and_literals() -> None:
    query = """query ($withFriends: Boolean!, $noName: Boolean = false) {
      hero {
        name @skip(if: $noName)
        id @include(if: false)
        friends @include(if: $withFriends) { name }
        ... @skip(if: $withFriends) { appearsIn }
      }
    }"""
    data = {"hero": {**LUKE, "friends": [R2], "appearsIn": ["NEWHOPE"]}}
    assert shape(query, data, {"withFriends": True, "noName": False}) == {
        "data": {"hero": {"name": "Luke Skywalker", "friends": [{"name": "R2-D2"}]}}
    }
    assert shape(query, data, {"withFriends": False, "noName": True}) == {
        "data": {"hero": {"appearsIn": ["NEWHOPE"]}}
    }


def test_spec_error_example_nullable_field_keeps_the_subgraph_error() -> None:
    query = "{ hero { name heroFriends: friends { id name } } }"
    error = {
        "message": "Name for character with ID 1002 could not be fetched.",
        "path": ["hero", "heroFriends", 1, "name"],
    }
    data = {
        "hero": {
            **R2,
            "heroFriends": [
                {"__typename": "Human", "id": "1000", "name": "Luke Skywalker"},
                {"__typename": "Human", "id": "1002", "name": None},
                {"__typename": "Human", "id": "1003", "name": "Leia Organa"},
            ],
        }
    }
    assert shape(query, data, errors=[error]) == {
        "errors": [error],
        "data": {
            "hero": {
                "name": "R2-D2",
                "heroFriends": [
                    {"id": "1000", "name": "Luke Skywalker"},
                    {"id": "1002", "name": None},
                    {"id": "1003", "name": "Leia Organa"},
                ],
            }
        },
    }


def test_null_in_non_null_field_nulls_the_nearest_nullable_parent_with_one_error() -> None:
    query = "{ hero { friends { ... on Human { strictName } } } }"
    data = {
        "hero": {**R2, "friends": [{"__typename": "Human", "id": "7"}, {**LUKE, "strictName": "L"}]}
    }
    assert shape(query, data) == {
        "errors": [
            {
                "message": "Cannot return null for non-nullable field Human.strictName.",
                "path": ["hero", "friends", 0, "strictName"],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"hero": {"friends": [None, {"strictName": "L"}]}},
    }


def test_covered_null_adds_no_second_error_and_non_null_root_nulls_data() -> None:
    error = {"message": "subgraph down", "path": ["strictHero"]}
    assert shape("{ strictHero { id } droid(id: 1) { id } }", {}, errors=[error]) == {
        "errors": [error],
        "data": None,
    }


def test_non_null_list_items_invalidate_the_list() -> None:
    query = "{ search { ... on Droid { id } } numbers maybeNumbers }"
    data = {"search": [R2, None], "numbers": [1, 2], "maybeNumbers": [1, None]}
    assert shape(query, data) == {
        "errors": [
            {
                "message": "Cannot return null for non-nullable field Query.search.",
                "path": ["search", 1],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"search": None, "numbers": [1, 2], "maybeNumbers": [1, None]},
    }
    assert shape("{ numbers }", {"numbers": [1, None]})["data"] is None


def test_enum_values_outside_the_api_schema_become_null_with_an_error() -> None:
    data = {"hero": {**LUKE, "appearsIn": ["JEDI", "HIDDEN"]}}
    assert shape("{ hero { appearsIn } }", data) == {
        "errors": [
            {
                "message": "Invalid value found for field Human.appearsIn.",
                "path": ["hero", "appearsIn", 1],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"hero": {"appearsIn": ["JEDI", None]}},
    }


def test_built_in_scalars_are_checked_and_ids_serialize_as_strings() -> None:
    data = {"droid": {"__typename": "Droid", "id": 2001, "name": 5}}
    assert shape("{ droid(id: 1) { id name } }", data) == {
        "errors": [
            {
                "message": "Invalid value found for field Droid.name.",
                "path": ["droid", "name"],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"droid": {"id": "2001", "name": None}},
    }


def test_unknown_runtime_type_of_an_abstract_field() -> None:
    data = {"hero": {"__typename": "Wookiee", "id": "9"}}
    assert shape("{ hero { id } }", data) == {
        "errors": [
            {
                "message": "Invalid value found for field Query.hero.",
                "path": ["hero"],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"hero": None},
    }


def test_root_typename_and_introspection_are_local() -> None:
    prepared = prepare_document(
        DocumentRules.for_schema(SCHEMA), '{ __typename t: __type(name: "Droid") { name } }'
    )
    assert prepared.document is not None
    shaper = Shaper(SCHEMA, select_operation(prepared.document, None), prepared.fragments)
    root = shaper.variant({})
    assert root.local_only and root.introspection_keys == ("t",)
    ctx = ShapeContext([], [], {"t": {"name": "Droid"}})
    assert root.shape({}, ctx) == {"__typename": "Query", "t": {"name": "Droid"}}


def test_document_preparation_errors() -> None:
    assert prepare_document(DocumentRules.for_schema(SCHEMA), "{ hero { ").errors == [
        {
            "message": "Syntax Error: Expected Name, found <EOF>.",
            "locations": [{"line": 1, "column": 10}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }
    ]
    assert prepare_document(DocumentRules.for_schema(SCHEMA), "{ hero { nope } }").errors == [
        {
            "message": "Cannot query field 'nope' on type 'Character'. Did you mean 'name'?",
            "locations": [{"line": 1, "column": 10}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]
    parsed = parse("{ hero { id } }")
    assert select_operation(parsed, None) is parsed.definitions[0]


def test_same_response_key_in_several_fragments_merges_sub_selections_in_order() -> None:
    query = """
    query { hero { friends { name } ...F ... on Droid { friends { id } primaryFunction } } }
    fragment F on Character { id friends { appearsIn name } }
    """
    friend = {"__typename": "Human", "id": "1000", "name": "Luke", "appearsIn": ["JEDI"]}
    data = {"hero": {**R2, "friends": [friend]}}
    assert shape(query, data) == {
        "data": {
            "hero": {
                "friends": [{"name": "Luke", "appearsIn": ["JEDI"], "id": "1000"}],
                "id": "2001",
                "primaryFunction": "Astromech",
            }
        }
    }


def test_interface_object_answer_named_after_the_interface_is_shaped_as_the_interface() -> None:
    # An @interfaceObject subgraph answers `__typename: "Character"` (the interface itself).
    data = {"hero": {"__typename": "Character", "id": "9", "name": "Chewie"}}
    query = "{ hero { id ... on Character { name } ... on Human { homePlanet } } }"
    assert shape(query, data) == {"data": {"hero": {"id": "9", "name": "Chewie"}}}
    # A union member list holds no interface: still invalid there.
    union = shape("{ search { ... on Human { id } } }", {"search": [data["hero"]]})
    assert union["data"] == {"search": None}


def test_interface_object_without_typename_is_shaped_as_the_interface() -> None:
    data = {"hero": {"id": "9", "name": "Chewie"}}
    query = "{ hero { id ... on Character { name } ... on Human { homePlanet } } }"
    assert shape(query, data) == {"data": {"hero": {"id": "9", "name": "Chewie"}}}
    union = shape("{ search { ... on Human { id } } }", {"search": [data["hero"]]})
    assert union["data"] == {"search": None}
