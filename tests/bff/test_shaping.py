"""The pure shaping rules both BFFs use: labels, ratings, top reviews, cursors."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from bff.shaping import (
    decode_offset_cursor,
    encode_offset_cursor,
    price_label,
    rounded_rating,
    top_reviews,
)


@pytest.mark.parametrize(
    ("cents", "label"),
    [(0, "$0.00"), (5, "$0.05"), (1999, "$19.99"), (123456789, "$1,234,567.89"), (-250, "-$2.50")],
)
def test_price_label(cents: int, label: str) -> None:
    assert price_label(cents) == label


def test_rounded_rating() -> None:
    assert [rounded_rating(v) for v in (None, 2.33, 4.67, 3.0)] == [None, 2.3, 4.7, 3.0]


def test_top_reviews_order_rating_then_newest_then_id() -> None:
    reviews = [
        {"id": "1", "rating": 3, "createdAt": "2024-01-02T00:00:00+00:00"},
        {"id": "2", "rating": 5, "createdAt": "2024-01-01T00:00:00+00:00"},
        {"id": "3", "rating": 3, "createdAt": "2024-01-03T00:00:00+00:00"},
        {"id": "4", "rating": 3, "createdAt": "2024-01-03T00:00:00+00:00"},
        {"id": "5", "rating": 1, "createdAt": "2024-02-01T00:00:00+00:00"},
    ]
    assert [r["id"] for r in top_reviews(reviews)] == ["2", "3", "4"]


def test_offset_cursors_round_trip_and_reject_foreign_ones() -> None:
    assert decode_offset_cursor("order", None) == 0
    assert decode_offset_cursor("order", encode_offset_cursor("order", 4)) == 5
    for bad in (encode_offset_cursor("product", 1), "not base64!", "b3JkZXI6eA=="):
        with pytest.raises(GraphQLError) as raised:
            decode_offset_cursor("order", bad)
        assert raised.value.extensions == {"code": "BAD_USER_INPUT"}
