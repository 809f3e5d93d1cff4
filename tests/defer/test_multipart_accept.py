"""Which ``Accept`` headers opt into incremental delivery (``router.http.multipart``)."""

from __future__ import annotations

import pytest

from router.http.multipart import accepts_incremental


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("multipart/mixed;deferSpec=20220824", True),
        # what Apollo Client sends for a @defer query
        (
            "multipart/mixed;deferSpec=20220824,application/graphql-response+json,"
            "application/json;q=0.9",
            True,
        ),
        ("multipart/mixed", True),
        ('multipart/mixed; boundary="-"; deferSpec=20220824', True),
        ("Multipart/Mixed; DeferSpec=20220824", True),
        ("multipart/mixed;deferSpec=19990101", False),
        ("multipart/mixed;deferSpec=20220824;q=0", False),
        ("multipart/mixed;q=bad", False),
        ("multipart/*", False),
        ("application/json", False),
        ("", False),
        (None, False),
    ],
)
def test_accepts_incremental(accept: str | None, expected: bool) -> None:
    assert accepts_incremental(accept) is expected
