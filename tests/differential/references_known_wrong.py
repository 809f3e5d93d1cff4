"""Differences where Apollo Gateway and Hive Gateway agree with each other and are both wrong.

The random differential (random_run.py) reports an operation when both references agree and
the router does not. Below are the classes where the references' shared answer is the wrong
one, each with why; an operation matching one is counted as ``references-known-wrong (NAME)``
instead of a difference, never minimised nor hidden (the counts are printed per suite).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    Node,
    SelectionSetNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql.language.visitor import REMOVE

__all__ = ["REFERENCES_KNOWN_WRONG", "KnownWrong", "known_wrong", "without_excluded"]

Ask = Callable[[str, str], Any]
"""(gateway name, query) -> that gateway's answer to the query with the same variables."""


@dataclass(frozen=True)
class KnownWrong:
    """One class of wrong reference answers: the suite, why, and how to recognise it."""

    suite: str
    reason: str
    matches: Callable[[str, dict[str, Any], Ask], bool]


def _errors(answer: Any) -> bool:
    return not isinstance(answer, dict) or bool(answer.get("errors"))


def _nulled(ours: Any, theirs: Any) -> bool:
    """``theirs`` is ``ours`` with at least one value replaced by null (errors nulled it)."""
    if theirs is None:
        return ours is not None
    if isinstance(ours, dict) and isinstance(theirs, dict) and ours.keys() == theirs.keys():
        pairs = [(ours[k], theirs[k]) for k in ours]
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        pairs = list(zip(ours, theirs, strict=True))
    else:
        return False
    differing = [(a, b) for a, b in pairs if a != b]
    return bool(differing) and all(_nulled(a, b) for a, b in differing)


def _poor_plan_punished(query: str, answers: dict[str, Any], _: Ask) -> bool:
    ours = answers["router"]
    if not isinstance(ours, dict) or "animals" not in query:
        return False
    punished = all(
        str(error.get("message", "")).startswith("You should be using the ")
        for error in ours.get("errors") or ()
    )
    if not punished:
        return False
    return all(
        _errors(answers[name]) and _nulled(ours.get("data"), answers[name].get("data"))
        for name in answers
        if name != "router"
    )


class _DropExcluded(Visitor):
    """Removes selections a literal ``@skip(if: true)``/``@include(if: false)`` excludes."""

    def __init__(self) -> None:
        super().__init__()
        self.removed = False

    def _visit(self, node: Node, *_: Any) -> Any:
        for directive in getattr(node, "directives", None) or ():
            name = directive.name.value
            for argument in directive.arguments or ():
                value = argument.value
                literal = isinstance(value, BooleanValueNode) and argument.name.value == "if"
                if literal and value.value == (name == "skip") and name in ("skip", "include"):
                    self.removed = True
                    return REMOVE
        return None

    enter_field = enter_inline_fragment = enter_fragment_spread = _visit


def without_excluded(query: str) -> str | None:
    """``query`` without its literally excluded selections (spec 6.3.2 CollectFields skips
    them: the two operations are the same operation), or None when it has none or removing
    them leaves an empty selection set."""
    remover = _DropExcluded()
    document = visit(parse(query), remover)
    if not remover.removed:
        return None
    empty: list[SelectionSetNode] = []

    class _Empty(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            if not node.selections:
                empty.append(node)

    visit(document, _Empty())
    return None if empty else print_ast(document)


def _excluded_selection_changes_answer(query: str, answers: dict[str, Any], ask: Ask) -> bool:
    stripped = without_excluded(query)
    if stripped is None:
        return False
    ours = json.dumps(answers["router"].get("data")) if isinstance(answers["router"], dict) else ""
    for name in answers:
        if name == "router":
            continue
        theirs = ask(name, stripped)
        if isinstance(theirs, dict) and json.dumps(theirs.get("data")) == ours:
            return True
    return False


def _different_failures(query: str, answers: dict[str, Any], _: Ask) -> bool:
    ours = answers["router"]
    if not isinstance(ours, dict) or ours.get("data") is None:
        return False
    messages = []
    for name, answer in answers.items():
        if name == "router":
            continue
        if not isinstance(answer, dict) or answer.get("data") is not None:
            return False
        messages.append({str(e.get("message")) for e in answer.get("errors") or ()})
    return len(messages) > 1 and not set.intersection(*messages)


REFERENCES_KNOWN_WRONG: dict[str, KnownWrong] = {
    "poor-plan-punished": KnownWrong(
        "provides-on-interface",
        "the suite's subgraph `a` throws on `Query.media` by design (src/test-suites/"
        'provides-on-interface/data.ts `pubishPoorPlans = true`: "You should be using the '
        "'a' subgraph!\") to punish a plan that asks `media` there; for `{ media { ... on "
        'Book { animals { id } } } }` both references choose `a` (Hive: "Was not able to '
        'find any options") and answer `media: null` with errors; the router asks `b`, '
        'whose `@provides(fields: "animals { id name }")` resolves the ids, and answers '
        "them (the data the subgraphs hold, no error). `Dog.age` lives only in `c`, whose "
        '`Dog.__resolveReference` throws by design ("Nothing in tests should be calling '
        'this resolver"): the router reports that error at each such Dog and keeps the '
        "rest (spec 6.4.4: the error nulls the nullable `age` only), the references null "
        "`media`",
        _poor_plan_punished,
    ),
    "excluded-selection-changes-answer": KnownWrong(
        "requires-interface",
        "a selection excluded by a literal `@include(if: false)`/`@skip(if: true)` does not "
        "exist for execution (spec 6.3.2 CollectFields): `{ a { city @include(if: false) "
        "address { id } country } }` is `{ a { address { id } country } }`. Both references "
        'still add the excluded `city`\'s `@requires(fields: "address { id }")` input to '
        "`country`'s representation (whose own requirement is `address { ... on WorkAddress "
        "{ id } }`), and the suite's `country` resolver reads that extra `address.id` for a "
        'HomeAddress: they answer "a1-country". The router sends the representation '
        "`country` requires and answers as a reference answers the operation without the "
        "excluded field (Apollo: `country: null`); matched by re-asking the references that "
        "operation",
        _excluded_selection_changes_answer,
    ),
    "different-failures-agree-on-null": KnownWrong(
        "non-resolvable-interface-object",
        "both references answer `data: null`, each for a failure of its own that the other "
        "does not have (no error message in common), so they agree by coincidence: Apollo's "
        'planner refuses `b { __typename }` ("Cannot add fragment of condition Node '
        '(runtimes: []) to parent type _Entity", on an operation valid against the API '
        'schema), Hive fails `product { ... on Bread { name } }` ("Runtime Object type '
        'Product is not a possible type for Product"; the audit expects `product { ... on '
        'Bread { id } }` to answer `{"id": "p1"}`). The router answers `b: null` with '
        "a field error (`Node` has no object type) and the product",
        _different_failures,
    ),
}


def known_wrong(suite: str, query: str, answers: dict[str, Any], ask: Ask) -> str | None:
    """The name of the :data:`REFERENCES_KNOWN_WRONG` entry explaining the difference."""
    for name, entry in REFERENCES_KNOWN_WRONG.items():
        if entry.suite == suite and entry.matches(query, answers, ask):
            return name
    return None
