"""Flatten paths ("@", "... on T" with abstract conditions), deep merge and rewrites."""

from __future__ import annotations

from graphql import build_schema

from router.execution.merge import apply_rewrites, deep_merge
from router.execution.paths import TypeMatcher, collect_objects, collect_paths, is_covered
from router.planning.plan import KeyRenamer, ValueSetter

SCHEMA = build_schema("""
type Query { things: [[Thing]] }
interface Node { id: ID! }
union Thing = Book | Movie | Song
type Book implements Node { id: ID! }
type Movie implements Node { id: ID! }
type Song { id: ID! }
""")
MATCH = TypeMatcher(SCHEMA)
BOOK = {"__typename": "Book", "id": "b"}
MOVIE = {"__typename": "Movie", "id": "m"}
SONG = {"__typename": "Song", "id": "s"}
DATA = {"things": [[BOOK, None, SONG], None, [MOVIE]]}


def test_nested_lists_and_abstract_type_conditions() -> None:
    assert collect_objects(DATA, ("things", "@", "@"), MATCH) == [BOOK, SONG, MOVIE]
    assert collect_objects(DATA, ("things", "@", "@", "... on Node"), MATCH) == [BOOK, MOVIE]
    assert collect_objects(DATA, ("things", "@", "@", "... on Song"), MATCH) == [SONG]
    assert collect_objects(DATA, ("things",), MATCH) == [BOOK, SONG, MOVIE]
    assert collect_objects(DATA, ("missing", "@"), MATCH) == []


def test_client_paths_leave_out_type_conditions() -> None:
    paths = collect_paths(DATA, ("things", "@", "@", "... on Node"), MATCH)
    assert paths == {id(BOOK): [("things", 0, 0)], id(MOVIE): [("things", 2, 0)]}
    shared = {"things": [[BOOK], [BOOK]]}
    assert collect_paths(shared, ("things", "@", "@"), MATCH) == {
        id(BOOK): [("things", 0, 0), ("things", 1, 0)]
    }


def test_matcher_without_typename_accepts_concrete_positions() -> None:
    assert MATCH(None, "Book") and MATCH("Book", "Thing") and not MATCH("Song", "Node")


def test_coverage_by_prefix_and_list_wildcards() -> None:
    covered = [("a", "@", "b"), ("c",)]
    assert is_covered(covered, ("a", 3, "b", "d"))
    assert is_covered(covered, ("a", 3))
    assert is_covered(covered, ("c", 0, "x"))
    assert not is_covered(covered, ("a", 3, "e"))


def test_deep_merge_objects_and_lists_item_by_item() -> None:
    target = {"a": {"x": 1}, "list": [{"k": 1}, None], "s": 1}
    deep_merge(target, {"a": {"y": 2}, "list": [{"v": 2}, {"w": 3}, {"z": 4}], "s": 2, "n": None})
    assert target == {
        "a": {"x": 1, "y": 2},
        "list": [{"k": 1, "v": 2}, {"w": 3}, {"z": 4}],
        "s": 2,
        "n": None,
    }


def test_rewrites_by_type_condition() -> None:
    value = [{"__typename": "Book", "t": 1}, {"__typename": "Song", "t": 2}]
    apply_rewrites(
        value,
        (
            KeyRenamer(("... on Node", "t"), "title"),
            ValueSetter(("... on Book", "__typename"), "N"),
        ),
        MATCH,
    )
    assert value == [{"__typename": "N", "title": 1}, {"__typename": "Song", "t": 2}]


def test_null_never_erases_and_entity_merge_keeps_a_concrete_typename() -> None:
    target = {"__typename": "Book", "id": "b", "title": "Dune"}
    deep_merge(target, {"title": None, "extra": None})
    assert target == {"__typename": "Book", "id": "b", "title": "Dune", "extra": None}
    from router.execution.merge import merge_entity

    merge_entity(target, {"__typename": "Node", "pages": 3}, MATCH.is_object)
    assert target["__typename"] == "Book" and target["pages"] == 3
    abstract_first = {"__typename": "Node", "id": "b"}
    merge_entity(abstract_first, {"__typename": "Book"}, MATCH.is_object)
    assert abstract_first["__typename"] == "Book"


def test_rewrite_paths_through_lists() -> None:
    value = {
        "items": [{"__typename": "Book", "t__alias": 1}, {"__typename": "Book", "t__alias": 2}]
    }
    apply_rewrites(value, (KeyRenamer(("items", "@", "... on Book", "t__alias"), "t"),), MATCH)
    assert value == {"items": [{"__typename": "Book", "t": 1}, {"__typename": "Book", "t": 2}]}


def test_renamed_key_merges_into_the_same_field_selected_unaliased() -> None:
    # `same { next { id } }` and, in `... on Book`, `same__alias_0: same { price }`
    value = {
        "__typename": "Book",
        "same": {"id": "3", "next": {"id": "1"}},
        "same__alias_0": {"id": "3", "price": 10.5},
    }
    apply_rewrites(value, (KeyRenamer(("... on Book", "same__alias_0"), "same"),), MATCH)
    assert value == {
        "__typename": "Book",
        "same": {"id": "3", "next": {"id": "1"}, "price": 10.5},
    }
