"""No N+1: ``_entities`` with N representations of a type, and every nested list under them,
costs the same number of SQL statements for N = 10 and N = 1000, on SQLite and on PostgreSQL.

Statements are counted with SQLAlchemy's ``before_cursor_execute`` hook on the app's engine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from subgraphs.seeding import SeedSizes, generate
from tests.subgraphs.support import in_process

BIG = SeedSizes(users=1000, products=1000, reviews_per_product=1, orders_per_user=1)
DATA = generate(BIG)
Rep = Callable[[int], dict[str, Any]]


def user(i: int) -> dict[str, Any]:
    return {"__typename": "User", "id": str(DATA.users[i].id)}


def product(i: int) -> dict[str, Any]:
    return {"__typename": "Product", "upc": DATA.products[i].upc}


def priced_product(i: int) -> dict[str, Any]:
    p = DATA.products[i]
    return {"__typename": "Product", "upc": p.upc, "price": p.price, "weight": p.weight}


def review(i: int) -> dict[str, Any]:
    return {"__typename": "Review", "id": str(DATA.reviews[i].id)}


def order(i: int) -> dict[str, Any]:
    return {"__typename": "Order", "id": str(DATA.orders[i].id)}


# subgraph -> [(representation maker, selection, statements expected for any N)]
CASES: dict[str, list[tuple[Rep, str, int]]] = {
    "accounts": [(user, "... on User { id name username email createdAt }", 1)],
    "products": [(product, "... on Product { upc name price weight }", 1)],
    "inventory": [(priced_product, "... on Product { inStock stockQuantity shippingEstimate }", 1)],
    "reviews": [
        (review, "... on Review { id body author { id username } product { upc } }", 1),
        (user, "... on User { reviews { id body product { upc } } }", 1),
        (
            product,
            "... on Product { reviews { id author { username } } reviewSummary { count }"
            " reviewsConnection(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }",
            3,
        ),
    ],
    "orders": [
        (order, "... on Order { id total user { id } items { product { upc } quantity } }", 2),
        (user, "... on User { orders(first: 5) { id items { quantity unitPrice } } }", 2),
    ],
    "payments": [(order, "... on Order { id payment { amount status method { last4 } } }", 1)],
}


async def _counts(name: str, url: str) -> list[tuple[str, int, int, int]]:
    measured = []
    async with in_process(name, url, DATA) as subgraph:
        for make, selection, expected in CASES[name]:
            counts = []
            for n in (10, 1000):
                subgraph.sql.reset()
                representations = [make(i) for i in range(n)]
                answer = await subgraph.entities(representations, selection, as_user="1")
                assert "errors" not in answer, answer["errors"][:1]
                entities = answer["data"]["_entities"]
                assert len(entities) == n
                assert all(entity is not None for entity in entities)
                counts.append(subgraph.sql.count)
            measured.append((selection.split()[2], expected, counts[0], counts[1]))
    return measured


def _assert_flat(measured: list[tuple[str, int, int, int]]) -> None:
    assert [(t, e, e) for t, e, _, _ in measured] == [
        (t, n10, n1000) for t, _, n10, n1000 in measured
    ]


@pytest.mark.parametrize("name", list(CASES))
async def test_statement_count_does_not_grow_on_sqlite(name: str, tmp_path: Path) -> None:
    _assert_flat(await _counts(name, f"sqlite+aiosqlite:///{tmp_path / name}.db"))


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(CASES))
async def test_statement_count_does_not_grow_on_postgres(name: str, postgres_url: str) -> None:
    _assert_flat(await _counts(name, postgres_url))
