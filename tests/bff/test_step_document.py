"""The router operations the BFFs send: parsed pieces aliased into one step, values as variables."""

from __future__ import annotations

import pytest
from graphql import parse

from bff.specs import EntitySpec, RootTemplate, operation_named
from bff.step_document import step_document

PIECES = parse(
    """
query Card($keys: [String!]!) { productsByUpc(upcs: $keys) { upc name } }
query Price($keys: [String!]!) { productsByUpc(upcs: $keys) { upc price } }
query Reviews($upc: String!, $first: Int!, $after: String) {
  product(upc: $upc) { reviewsConnection(first: $first, after: $after) { edges { node { id } } } }
}
query Two { a: topProducts(first: 1) { upc } b: topProducts(first: 2) { upc } }
"""
)


def test_pieces_are_aliased_with_their_variables_prefixed() -> None:
    card = operation_named(PIECES, "Card")
    reviews = operation_named(PIECES, "Reviews")
    text = step_document([("e0", card), ("r1_0", reviews), ("r1_1", reviews)])
    assert text == (
        "query BffStep($e0_keys: [String!]!, $r1_0_upc: String!, $r1_0_first: Int!, "
        "$r1_0_after: String, $r1_1_upc: String!, $r1_1_first: Int!, $r1_1_after: String) {\n"
        "  e0: productsByUpc(upcs: $e0_keys) {\n    upc\n    name\n  }\n"
        "  r1_0: product(upc: $r1_0_upc) {\n"
        "    reviewsConnection(first: $r1_0_first, after: $r1_0_after) {\n"
        "      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"
        "  r1_1: product(upc: $r1_1_upc) {\n"
        "    reviewsConnection(first: $r1_1_first, after: $r1_1_after) {\n"
        "      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"
        "}"
    )
    # the piece itself is untouched (module-level constants are shared by every request)
    assert [d.variable.name.value for d in reviews.variable_definitions] == [
        "upc",
        "first",
        "after",
    ]


def test_root_template_binds_exactly_its_variables() -> None:
    template = RootTemplate(operation_named(PIECES, "Reviews"))
    call = template.call(30, ("Product:1",), upc='a"b', first=3, after=None)
    assert (call.variables, call.ttl_seconds, call.tags, call.name) == (
        {"after": None, "first": 3, "upc": 'a"b'},
        30,
        ("Product:1",),
        "Reviews",
    )
    assert call == template.call(upc='a"b', first=3, after=None)  # one memo key per values
    assert call.cache_key != template.call(upc="a", first=3, after=None).cache_key
    with pytest.raises(TypeError):
        template.call(first=3)


def test_entity_spec_kind_includes_the_selection() -> None:
    card = EntitySpec("Card", operation_named(PIECES, "Card"), 30, "Product")
    price = EntitySpec("Card", operation_named(PIECES, "Price"), 30, "Product")
    assert card.kind.startswith("Card:") and card.kind != price.kind
    assert card.kind == EntitySpec("Card", operation_named(PIECES, "Card"), 5, "P").kind


def test_a_piece_selects_one_root_field() -> None:
    with pytest.raises(ValueError, match="exactly one root field"):
        RootTemplate(operation_named(PIECES, "Two"))
    with pytest.raises(ValueError, match=r"exactly \$keys"):
        EntitySpec("R", operation_named(PIECES, "Reviews"), 30, "Product")
