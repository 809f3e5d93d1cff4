"""The allow-list of answers both references get wrong (references_known_wrong.py): each entry
recognises its recorded case (answers of the seed-14 run over the audit suites, 2026-12-03)
and nothing else."""

from __future__ import annotations

from typing import Any

from tests.differential.references_known_wrong import known_wrong, without_excluded

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
