"""Differences where Apollo Gateway and Hive Gateway agree with each other and are both wrong.

The random differential (random_run.py) reports an operation when both references agree and
the router does not. Below are the classes where the references' shared answer is the wrong
one, each with why; an operation matching one is counted as ``references-known-wrong (NAME)``
instead of a difference, never minimised nor hidden (the counts are printed per suite).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql.language.visitor import REMOVE

__all__ = [
    "REFERENCES_KNOWN_WRONG",
    "KnownWrong",
    "known_wrong",
    "same_operation",
    "without_excluded",
]

Ask = Callable[[str, str], Any]
"""(gateway name, query) -> that gateway's answer to the query with the same variables."""


@dataclass(frozen=True)
class KnownWrong:
    """One class of wrong reference answers: the suite, why, and how to recognise it."""

    suite: str
    reason: str
    matches: Callable[[str, dict[str, Any], Ask, dict[str, Any]], bool]
    """(query, answers by gateway, ask, the operation's variables) -> whether it is this class."""


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


def _poor_plan_punished(query: str, answers: dict[str, Any], _: Ask, __: dict[str, Any]) -> bool:
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


def _excluded_selection_changes_answer(
    query: str, answers: dict[str, Any], ask: Ask, _: dict[str, Any]
) -> bool:
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


def _different_failures(query: str, answers: dict[str, Any], _: Ask, __: dict[str, Any]) -> bool:
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


class _ResolveConditions(Visitor):
    """Evaluates every ``@skip``/``@include`` (literal or variable): an excluded selection is
    removed, an included one loses the directive (spec 6.3.2 CollectFields, 3.13.1-2)."""

    def __init__(self, variables: dict[str, Any], defaults: dict[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.defaults = defaults
        self.changed = False
        self.unknown = False

    def _condition(self, value: Node) -> bool | None:
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            name = value.name.value
            found = self.variables.get(name, self.defaults.get(name))
            return found if isinstance(found, bool) else None
        return None

    def _visit(self, node: Node, *_: Any) -> Any:
        directives = getattr(node, "directives", None) or ()
        kept = []
        for directive in directives:
            name = directive.name.value
            if name not in ("skip", "include"):
                kept.append(directive)
                continue
            condition = next(
                (
                    self._condition(a.value)
                    for a in directive.arguments or ()
                    if a.name.value == "if"
                ),
                None,
            )
            if condition is None:
                self.unknown = True
                return None
            self.changed = True
            if condition == (name == "skip"):
                return REMOVE
        if len(kept) == len(directives):
            return None
        replaced = copy.copy(node)
        replaced.directives = tuple(kept)
        return replaced

    enter_field = enter_inline_fragment = enter_fragment_spread = _visit


def _used(document: DocumentNode) -> tuple[set[str], set[str]]:
    """The variables and fragments the document's selections use."""
    variables: set[str] = set()
    fragments: set[str] = set()

    class _Uses(Visitor):
        def enter_variable_definition(self, *_: Any) -> Any:
            return False  # a definition is not a use

        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            variables.add(node.name.value)

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            fragments.add(node.name.value)

    visit(document, _Uses())
    return variables, fragments


class _InlineSpreads(Visitor):
    """Replaces each fragment spread by an inline fragment with the fragment's type condition
    and selections: CollectFields (spec 6.3.2) collects both alike."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        super().__init__()
        self.fragments = fragments
        self.inlined = False

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> Any:
        fragment = self.fragments[node.name.value]
        self.inlined = True
        return InlineFragmentNode(
            type_condition=fragment.type_condition,
            directives=node.directives,
            selection_set=fragment.selection_set,
        )


def same_operation(query: str, variables: dict[str, Any]) -> str | None:
    """``query`` written without what CollectFields (spec 6.3.2) decides before execution:
    every ``@skip``/``@include`` evaluated with ``variables`` (excluded selections removed,
    the directive dropped from included ones, 3.13.1-2), every fragment spread replaced by an
    inline fragment with the fragment's selections, and the fragments and variable definitions
    no longer used removed (5.5.1.4, 5.8.4). None when there is nothing to rewrite, a
    condition's value is unknown, or an empty selection set remains."""
    document = parse(query)
    defaults: dict[str, Any] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                default = variable.default_value
                if isinstance(default, BooleanValueNode):
                    defaults[variable.variable.name.value] = default.value
    resolver = _ResolveConditions(variables, defaults)
    document = visit(document, resolver)
    if resolver.unknown:
        return None
    changed = resolver.changed
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    for _ in range(len(fragments)):  # a spread inside a fragment needs one more pass
        inliner = _InlineSpreads(fragments)
        document = visit(document, inliner)
        if not inliner.inlined:
            break
        changed = True
    if not changed:
        return None
    while True:
        used_variables, used_fragments = _used(document)
        definitions: list[Any] = []
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.name.value not in used_fragments:
                    continue
                definitions.append(definition)
            elif isinstance(definition, OperationDefinitionNode):
                trimmed = copy.copy(definition)
                trimmed.variable_definitions = tuple(
                    v
                    for v in definition.variable_definitions or ()
                    if v.variable.name.value in used_variables
                )
                definitions.append(trimmed)
            else:
                definitions.append(definition)
        removed = len(definitions) < len(document.definitions)
        document = DocumentNode(definitions=tuple(definitions))
        if not removed:
            break
    empty: list[SelectionSetNode] = []

    class _Empty(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            if not node.selections:
                empty.append(node)

    visit(document, _Empty())
    return None if empty else print_ast(document)


def _same(answer: Any, ours: Any) -> bool:
    """The same ``data`` (in order) and errors in both or neither."""
    if not isinstance(answer, dict) or not isinstance(ours, dict):
        return False
    same_data = json.dumps(answer.get("data")) == json.dumps(ours.get("data"))
    return same_data and bool(answer.get("errors")) == bool(ours.get("errors"))


def _same_operation_answered_as_router(
    query: str, answers: dict[str, Any], ask: Ask, variables: dict[str, Any]
) -> bool:
    resolved = same_operation(query, variables)
    references = [name for name in answers if name != "router"]
    if resolved is None or not references:
        return False
    return all(_same(ask(name, resolved), answers["router"]) for name in references)


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
    "same-operation-answered-otherwise": KnownWrong(
        "non-resolvable-interface-object",
        "a selection whose `@skip`/`@include` evaluates to included is collected as the same "
        "selection without the directive (spec 3.13.1-2, 6.3.2 CollectFields), and a "
        "fragment spread as an inline fragment with the fragment's selections (6.3.2: both "
        "merge their selections when the type condition applies): both references answer "
        "such an operation otherwise than its directive- and spread-free form, which both "
        "answer as the router answered the original. Measured on the suite: `{ product { "
        "__typename ... on Bread { __typename id @skip(if: false) name } } }` is answered "
        '`{"data": null}` by Apollo (no error; its plan adds a third fetch, `id @skip(if: '
        'false)` from subgraph `a` through `Product @key(fields: "id", resolvable: false)`, '
        "a key `a` declares it does not resolve), and `{ product { ...F0 } } fragment F0 on "
        'Bread { name }` by Hive with `data: null` ("Runtime Object type "Product" is not a '
        'possible type"; with `__typename id name`: "Cannot return null for non-nullable '
        'field Bread.name"); without the directive and with an inline fragment all three '
        'answer `{"product": {"__typename": "Bread", "id": "p1", "name": "Bread"}}`. Matched '
        "by re-asking both references the rewritten operation: both must answer it (data "
        "and whether errors exist) as the router answered the original",
        _same_operation_answered_as_router,
    ),
}


def known_wrong(
    suite: str,
    query: str,
    answers: dict[str, Any],
    ask: Ask,
    variables: dict[str, Any] | None = None,
) -> str | None:
    """The name of the :data:`REFERENCES_KNOWN_WRONG` entry explaining the difference."""
    for name, entry in REFERENCES_KNOWN_WRONG.items():
        if entry.suite == suite and entry.matches(query, answers, ask, variables or {}):
            return name
    return None
