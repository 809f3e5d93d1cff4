"""Representation deduplication (issue #20): two representations are one exactly when their
JSON texts are, whichever path (scalar key or encoded text) told them apart."""

from __future__ import annotations

import orjson

from router.execution.paths import TypeMatcher
from router.execution.representations import FlatSelector, build_representations, selector
from router.planning.plan import RequiresField, RequiresInlineFragment

MATCH = TypeMatcher()
KEY = (RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),)


def test_flat_selection_gets_the_fast_selector() -> None:
    assert isinstance(selector(KEY, MATCH), FlatSelector)


def test_equal_json_texts_only_are_one_representation() -> None:
    objects = [
        {"__typename": "Product", "upc": "1"},
        {"__typename": "Product", "upc": "1", "name": "x"},
        {"__typename": "Product", "upc": 1},
        {"__typename": "Product", "upc": True},
        {"__typename": "Product", "upc": 1.0},
        {"__typename": "Product", "upc": 0.0},
        {"__typename": "Product", "upc": -0.0},
        {"__typename": "Product", "upc": {"a": [1]}},
        {"__typename": "Product", "upc": {"a": [1]}},
        {"__typename": "Product"},  # missing key: skipped
        {"__typename": "Other", "upc": "1"},  # no fragment applies: skipped
        {"__typename": "Product", "upc": 1},  # equal to the integer one, and its type
        {"__typename": "Product", "upc": False},
        {"__typename": "Product", "upc": 0},
    ]
    built = build_representations(objects, KEY, (), MATCH)
    assert [orjson.dumps(r) for r in built.encoded] == [
        b'{"__typename":"Product","upc":"1"}',
        b'{"__typename":"Product","upc":1}',
        b'{"__typename":"Product","upc":true}',
        b'{"__typename":"Product","upc":1.0}',
        b'{"__typename":"Product","upc":0.0}',
        b'{"__typename":"Product","upc":-0.0}',
        b'{"__typename":"Product","upc":{"a":[1]}}',
        b'{"__typename":"Product","upc":false}',
        b'{"__typename":"Product","upc":0}',
    ]
    assert [len(t) for t in built.targets] == [2, 2, 1, 1, 1, 1, 2, 1, 1]
    assert built.targets[0] == [objects[0], objects[1]]


def test_a_shared_object_counts_once_and_null_keys_are_not_sent() -> None:
    shared = {"__typename": "Product", "upc": "1"}
    objects = [shared, shared, {"__typename": "Product", "upc": None}] * 2
    built = build_representations(objects, KEY, (), MATCH, {"Product": frozenset({"upc"})})
    assert built.encoded == [{"__typename": "Product", "upc": "1"}]
    assert built.targets == [[shared]]


def test_the_general_walk_dedupes_the_same_way() -> None:
    nested = (
        RequiresInlineFragment(
            "Product",
            (RequiresField("__typename"), RequiresField("dims", (RequiresField("w"),))),
        ),
    )
    objects = [
        {"__typename": "Product", "dims": {"w": 1, "h": 2}},
        {"__typename": "Product", "dims": {"w": 1}},
        {"__typename": "Product", "dims": {"w": True}},
    ]
    built = build_representations(objects, nested, (), MATCH)
    assert [orjson.dumps(r) for r in built.encoded] == [
        b'{"__typename":"Product","dims":{"w":1}}',
        b'{"__typename":"Product","dims":{"w":true}}',
    ]
    assert [len(t) for t in built.targets] == [2, 1]


def test_an_object_matching_several_fragments_meets_an_equal_one() -> None:
    def matches(name: object, condition: str) -> bool:
        return name is None or name == condition or (condition == "Node" and name != "Other")

    requires = (
        RequiresInlineFragment("Product", (RequiresField("upc"),)),
        RequiresInlineFragment("Node", (RequiresField("upc"),)),
    )
    objects = [
        {"__typename": "Book", "upc": "1"},  # Node only: the fast path
        {"__typename": "Product", "upc": "1"},  # Product and Node: built field by field
        {"__typename": "Product", "upc": "2"},
        {"__typename": "Other", "upc": "1"},  # neither: skipped
    ]
    built = build_representations(objects, requires, (), matches)
    assert built.encoded == [{"upc": "1"}, {"upc": "2"}]
    assert built.targets == [[objects[0], objects[1]], [objects[2]]]
