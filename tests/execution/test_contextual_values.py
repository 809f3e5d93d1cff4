"""``@fromContext`` values in the executor (router/execution/contextual.py): where each entity
reads its context (Apollo Router's ``..`` paths) and the aliased operation sent when entities
have different values (one ``_entities`` call per distinct values)."""

from __future__ import annotations

from graphql import parse, print_ast

from router.execution.contextual import (
    aliased_operation,
    collect_with_parents,
    context_values,
    group_by_values,
)
from router.execution.paths import TypeMatcher
from router.planning.plan import KeyRenamer

MATCH = TypeMatcher()
CURRENCY = (
    KeyRenamer(("..", "... on Shop", "currency"), "contextualArgument_1_0"),
    KeyRenamer(("..", "..", "... on Mall", "currency"), "contextualArgument_1_0"),
)
DATA = {
    "shops": [
        {"__typename": "Shop", "currency": "EUR", "items": [{"id": "1"}, {"id": "2"}]},
        {"__typename": "Shop", "currency": "USD", "items": [[{"id": "2"}]]},
        None,
    ]
}


def test_dot_dot_goes_one_field_up_past_list_items() -> None:
    located = collect_with_parents(DATA, ("shops", "@", "items", "@"), MATCH)
    assert [
        (obj["id"], context_values(item, CURRENCY, MATCH)) for item in located for obj in [item[0]]
    ] == [
        ("1", {"contextualArgument_1_0": "EUR"}),
        ("2", {"contextualArgument_1_0": "EUR"}),
        ("2", {"contextualArgument_1_0": "USD"}),
    ]


def test_a_rewrite_that_finds_nothing_leaves_the_variable_out() -> None:
    located = collect_with_parents({"item": {"id": "1"}}, ("item",), MATCH)
    assert context_values(located[0], CURRENCY, MATCH) == {}


def test_entities_group_by_their_values_in_first_seen_order() -> None:
    located = collect_with_parents(DATA, ("shops", "@", "items", "@"), MATCH)
    groups = group_by_values(located, CURRENCY, MATCH)
    assert [(values, [o["id"] for o in objects]) for values, objects in groups] == [
        ({"contextualArgument_1_0": "EUR"}, ["1", "2"]),
        ({"contextualArgument_1_0": "USD"}, ["2"]),
    ]


def test_the_aliased_operation_has_one_entities_call_per_group() -> None:
    operation = (
        "query Q__a__1($representations: [_Any!]!, $contextualArgument_1_0: String) "
        "{ _entities(representations: $representations) "
        "{ ... on Item { price(currency: $contextualArgument_1_0) } } }"
    )
    rewritten = aliased_operation(operation, ("contextualArgument_1_0",), 2)
    expected = """
    query Q__a__1($representations_0: [_Any!]!, $representations_1: [_Any!]!,
                  $contextualArgument_1_0_0: String, $contextualArgument_1_0_1: String) {
      _0: _entities(representations: $representations_0) {
        ... on Item { price(currency: $contextualArgument_1_0_0) }
      }
      _1: _entities(representations: $representations_1) {
        ... on Item { price(currency: $contextualArgument_1_0_1) }
      }
    }
    """
    assert rewritten == print_ast(parse(expected))
