from __future__ import annotations

from graphql import build_schema, parse, validate

from benchmarks.operations import literal_for, operation_for_root_field, operations_for_schema
from benchmarks.planning_bench import summarize_ms

SCHEMA = build_schema(
    """
    enum Color { RED GREEN }
    input Filter { text: String! color: Color limit: Int = 10 }
    type Money { amount: Int! currency: String! }
    type Item { id: ID! name: String price: Money next: Item color: Color similar(first: Int!): [Item] }
    union Found = Item | Money
    type Query {
      item(id: ID!, filter: Filter): Item
      items(filter: Filter!, tags: [String!]!): [Item!]!
      count: Int
      found: Found
    }
    """
)


def test_operation_selects_leaves_and_nests_to_the_depth() -> None:
    assert operation_for_root_field(SCHEMA, "item", depth=3, breadth=2) == (
        'query Op_item { item(id: "1") { id name price { amount currency } '
        "next { id name price { amount currency } next { id name color } color } color } }"
    )


def test_required_arguments_get_literals_and_nested_required_args_are_skipped() -> None:
    text = operation_for_root_field(SCHEMA, "items", depth=1)
    assert text == 'query Op_items { items(filter: {text: "1"}, tags: ["1"]) { id name color } }'
    assert operation_for_root_field(SCHEMA, "count") == "query Op_count { count }"
    assert operation_for_root_field(SCHEMA, "found") == "query Op_found { found { __typename } }"


def test_generated_operations_are_valid_and_spread_over_root_fields() -> None:
    operations = operations_for_schema(SCHEMA, 2)
    assert [op.split()[1] for op in operations] == ["Op_item", "Op_count"]
    for operation in operations_for_schema(SCHEMA, 10):
        assert validate(SCHEMA, parse(operation)) == []


def test_literals() -> None:
    assert literal_for(SCHEMA.get_type("Color")) == "RED"  # type: ignore[arg-type]
    assert literal_for(SCHEMA.get_type("Filter")) == '{text: "1"}'  # type: ignore[arg-type]


def test_summarize_ms() -> None:
    assert summarize_ms([3.0, 1.0, 2.0, 10.0]) == {
        "median_ms": 2.5,
        "min_ms": 1.0,
        "max_ms": 10.0,
        "samples": 4,
    }
