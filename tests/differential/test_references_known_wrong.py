"""The allow-list of answers both references get wrong (references_known_wrong.py): each entry
recognises its recorded case (answers of the seed-14 run over the audit suites, 2026-12-03)
and nothing else."""

from __future__ import annotations

from typing import Any

from tests.differential.references_known_wrong import (
    known_wrong,
    same_operation,
    without_excluded,
)

POOR_PLAN = "{ media { ... on Book { animals { id } } } }"
ROUTER_IDS = {"data": {"media": {"animals": [{"id": "a1"}, {"id": "a2"}]}}}
A_THROWS = {
    "data": {"media": None},
    "errors": [{"message": "You should be using the 'a' subgraph!", "path": ["media"]}],
}
NO_OPTIONS = {"data": {"media": None}, "errors": [{"message": "Was not able to find any options"}]}

EXCLUDED = "{ a { city @include(if: false) address { id } country } }"
STRIPPED = "{\n  a {\n    address {\n      id\n    }\n    country\n  }\n}"
OURS = {"data": {"a": {"address": {"id": "a1"}, "country": None}}}
THEIRS = {"data": {"a": {"address": {"id": "a1"}, "country": "a1-country"}}}


def never_asked(name: str, query: str) -> Any:
    raise AssertionError(f"{name} asked {query}")


def test_the_punished_poor_plan_is_recognised_in_its_suite_only() -> None:
    answers = {"router": ROUTER_IDS, "apollo": A_THROWS, "hive": NO_OPTIONS}
    assert known_wrong("provides-on-interface", POOR_PLAN, answers, never_asked) == (
        "poor-plan-punished"
    )
    assert known_wrong("provides-on-union", POOR_PLAN, answers, never_asked) is None
    # the router reporting the suite's own punishing error where no plan avoids it (Dog.age)
    query = "{ media { ... on Book { animals { id ... on Dog { age } } } } }"
    age = {"message": "You should be using the 'c' subgraph!", "path": ["media", "animals", 0]}
    partial = {"data": {"media": {"animals": [{"id": "a1", "age": None}, {"id": "a2"}]}}}
    punished = {**answers, "router": {**partial, "errors": [age]}}
    assert known_wrong("provides-on-interface", query, punished, never_asked) == (
        "poor-plan-punished"
    )
    # the router failing otherwise, or answering other data, is a difference
    failing = {**answers, "router": {"data": {"media": None}, "errors": [{"message": "x"}]}}
    assert known_wrong("provides-on-interface", POOR_PLAN, failing, never_asked) is None
    other = {**answers, "router": {"data": {"book": None}}}
    assert known_wrong("provides-on-interface", POOR_PLAN, other, never_asked) is None


def test_an_excluded_selection_is_checked_by_asking_the_operation_without_it() -> None:
    asked: list[tuple[str, str]] = []

    def apollo_answers_as_ours(name: str, query: str) -> Any:
        asked.append((name, query))
        return OURS if name == "apollo" else THEIRS

    answers = {"router": OURS, "apollo": THEIRS, "hive": THEIRS}
    assert without_excluded(EXCLUDED) == STRIPPED
    assert (
        known_wrong("requires-interface", EXCLUDED, answers, apollo_answers_as_ours)
        == "excluded-selection-changes-answer"
    )
    assert asked == [("apollo", STRIPPED)]
    # when no reference answers the equivalent operation as the router does: a difference
    assert known_wrong("requires-interface", EXCLUDED, answers, lambda n, q: THEIRS) is None
    # nothing excluded: nothing to re-ask
    plain = "{ a { address { id } country } }"
    assert known_wrong("requires-interface", plain, answers, never_asked) is None


def test_references_failing_for_different_reasons_are_recognised() -> None:
    query = "{ b { __typename } product { ... on Bread { name } } }"
    ours = {
        "data": {"b": None, "product": {"name": "Bread"}},
        "errors": [{"message": "Invalid value found for field Query.b.", "path": ["b"]}],
    }
    apollo = {"errors": [{"message": 'Cannot add fragment of condition "Node" (runtimes: [])'}]}
    hive = {"data": None, "errors": [{"message": 'Runtime Object type "Product" is not a '}]}
    answers = {"router": ours, "apollo": apollo, "hive": hive}
    suite = "non-resolvable-interface-object"
    assert known_wrong(suite, query, answers, never_asked) == "different-failures-agree-on-null"
    # the same failure in both references is their agreement, a difference to look at
    same = {"router": ours, "apollo": hive, "hive": hive}
    assert known_wrong(suite, query, same, never_asked) is None


CONDITIONAL = (
    "query Q($v1: Boolean!) { a { __typename } product { __typename ...F0 } }\n"
    "fragment F0 on Bread { __typename id @skip(if: $v1) name }"
)
RESOLVED = (
    "query Q {\n  a {\n    __typename\n  }\n  product {\n    __typename\n"
    "    ... on Bread {\n      __typename\n      id\n      name\n    }\n  }\n}"
)
A_ERROR = {
    "message": 'Abstract type "Node" was resolved to a non-object type "Node".',
    "path": ["a"],
}
BREAD = {"a": None, "product": {"__typename": "Bread", "id": "p1", "name": "Bread"}}


def test_the_same_operation_has_no_conditions_and_no_spreads() -> None:
    assert same_operation(CONDITIONAL, {"v1": False}) == RESOLVED
    assert same_operation(CONDITIONAL, {"v1": True}) == RESOLVED.replace("      id\n", "")
    # an excluded spread takes its fragment and the variable only it used along
    spread = (
        "query Q($v: Boolean!, $w: Int) { f(x: $w) ...F @include(if: $v) } fragment F on Q { g }"
    )
    assert same_operation(spread, {"v": False}) == "query Q($w: Int) {\n  f(x: $w)\n}"
    # spreads inside fragments are inlined too; a default value counts
    nested = "query Q($v: Boolean = true) { ...F } fragment F on Q { f @skip(if: $v) ...G } fragment G on Q { g }"
    assert same_operation(nested, {}) == (
        "query Q {\n  ... on Q {\n    ... on Q {\n      g\n    }\n  }\n}"
    )
    # nothing to rewrite, an unknown value or an emptied selection set: nothing to ask
    assert same_operation("{ f ... on Q { g } }", {}) is None
    assert same_operation("query Q($v: Boolean) { f @skip(if: $v) g }", {}) is None
    assert same_operation("{ a { f @skip(if: true) } }", {}) is None


def test_both_references_answering_the_same_operation_otherwise_is_recognised() -> None:
    """Recorded answers of the seed-14 run (operation 179 of non-resolvable-interface-object,
    2026-12-03): both references answer the operation with its conditions evaluated as the
    router answered the operation."""
    ours = {"data": BREAD, "errors": [A_ERROR]}
    apollo = {"data": None, "errors": [A_ERROR]}
    hive = {
        "data": None,
        "errors": [A_ERROR, {"message": "Cannot return null for non-nullable field Bread.name."}],
    }
    answers = {"router": ours, "apollo": apollo, "hive": hive}
    asked: list[tuple[str, str]] = []

    def as_ours(name: str, query: str) -> Any:
        asked.append((name, query))
        return {"data": BREAD, "errors": [A_ERROR]}

    suite = "non-resolvable-interface-object"
    variables = {"v1": False}
    assert known_wrong(suite, CONDITIONAL, answers, as_ours, variables) == (
        "same-operation-answered-otherwise"
    )
    assert asked == [("apollo", RESOLVED), ("hive", RESOLVED)]
    # one reference answering the resolved operation otherwise: a difference
    partly = {"apollo": ours, "hive": hive}
    assert known_wrong(suite, CONDITIONAL, answers, lambda n, q: partly[n], variables) is None
    # errors in one and not the other are not the same answer
    no_error = {"data": BREAD}
    assert known_wrong(suite, CONDITIONAL, answers, lambda n, q: no_error, variables) is None
    # no condition and no spread in the operation: nothing to re-ask
    plain = "{ a { __typename } product { __typename ... on Bread { name } } }"
    assert known_wrong(suite, plain, answers, never_asked, variables) is None
    # another suite
    assert known_wrong("typename", CONDITIONAL, answers, never_asked, variables) is None
