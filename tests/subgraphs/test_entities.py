"""``_entities`` for every ``@key`` each subgraph declares, and its root fields, compared whole
with what the seed generator says (in-process app over a seeded SQLite store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from subgraphs.common.clock import isoformat_utc
from subgraphs.common.pagination import encode_cursor
from subgraphs.seeding import SeedData, generate
from tests.subgraphs.expected import product_json, shipping_estimate, user_json
from tests.subgraphs.support import InProcessSubgraph, in_process

DATA: SeedData = generate()


@pytest.fixture
async def subgraph(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[InProcessSubgraph]:
    name = request.param
    async with in_process(name, f"sqlite+aiosqlite:///{tmp_path / name}.db", DATA) as running:
        yield running


def review_json(review_id: int) -> dict[str, object]:
    r = DATA.reviews[review_id - 1]
    return {
        "id": str(r.id),
        "body": r.body,
        "rating": r.rating,
        "createdAt": isoformat_utc(r.created_at),
        "author": {"id": str(r.author_id), "username": r.author_username},
        "product": {"upc": r.product_upc},
    }


REVIEW_FIELDS = "id body rating createdAt author { id username } product { upc }"


@pytest.mark.parametrize("subgraph", ["accounts"], indirect=True)
async def test_accounts_user_entities(subgraph: InProcessSubgraph) -> None:
    reps = [{"__typename": "User", "id": i} for i in ("3", "1", "999", "3")]
    answer = await subgraph.entities(
        reps, "... on User { id name username email createdAt }", as_user="1"
    )
    u = {user.id: user for user in DATA.users}
    assert answer == {
        "data": {
            "_entities": [
                {"__typename": "User", **user_json(u[3])},
                {"__typename": "User", **user_json(u[1])},
                None,
                {"__typename": "User", **user_json(u[3])},
            ]
        }
    }


@pytest.mark.parametrize("subgraph", ["accounts"], indirect=True)
async def test_accounts_root_fields(subgraph: InProcessSubgraph) -> None:
    answer = await subgraph.query(
        "{ me { id } user(id: 2) { id } users(first: 2, after: 1) { id }"
        " usersConnection(first: 3) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }"
        ' usersById(ids: ["4", "nope", "2", "404"]) { id } }',
        as_user="7",
    )
    cursors = [encode_cursor("user", i) for i in (1, 2, 3)]
    assert answer == {
        "data": {
            "me": {"id": "7"},
            "user": {"id": "2"},
            "users": [{"id": "2"}, {"id": "3"}],
            "usersConnection": {
                "edges": [{"cursor": c, "node": {"id": str(i)}} for i, c in enumerate(cursors, 1)],
                "pageInfo": {"hasNextPage": True, "endCursor": cursors[-1]},
            },
            "usersById": [{"id": "4"}, None, {"id": "2"}, None],
        }
    }
    everyone = await subgraph.query("{ users { id } }")
    assert everyone == {"data": {"users": [{"id": str(u.id)} for u in DATA.users]}}
    last_page = await subgraph.query(
        "query($a: String) { usersConnection(first: 5, after: $a) { edges { node { id } } "
        "pageInfo { hasNextPage endCursor } } }",
        {"a": encode_cursor("user", 8)},
    )
    assert last_page == {
        "data": {
            "usersConnection": {
                "edges": [{"node": {"id": "9"}}, {"node": {"id": "10"}}],
                "pageInfo": {"hasNextPage": False, "endCursor": encode_cursor("user", 10)},
            }
        }
    }


@pytest.mark.parametrize("subgraph", ["products"], indirect=True)
async def test_products_product_entities_and_root_fields(subgraph: InProcessSubgraph) -> None:
    p = DATA.products
    reps = [{"__typename": "Product", "upc": upc} for upc in (p[4].upc, "000", p[0].upc)]
    fields = "upc name price weight description category"
    answer = await subgraph.entities(reps, f"... on Product {{ {fields} }}")
    assert answer == {
        "data": {
            "_entities": [
                {"__typename": "Product", **product_json(p[4])},
                None,
                {"__typename": "Product", **product_json(p[0])},
            ]
        }
    }
    roots = await subgraph.query(
        f'{{ topProducts(first: 2) {{ {fields} }} product(upc: "{p[1].upc}") {{ upc }}'
        f' productsByUpc(upcs: ["{p[2].upc}", "x"]) {{ upc }} }}'
    )
    assert roots == {
        "data": {
            "topProducts": [product_json(p[0]), product_json(p[1])],
            "product": {"upc": p[1].upc},
            "productsByUpc": [{"upc": p[2].upc}, None],
        }
    }
    category = p[0].category
    in_category = [x.upc for x in p if x.category == category]
    page = await subgraph.query(
        "query($c: String) { productsConnection(first: 1, category: $c) "
        "{ edges { cursor node { upc } } pageInfo { hasNextPage endCursor } } }",
        {"c": category},
    )
    cursor = encode_cursor("product", in_category[0])
    assert page == {
        "data": {
            "productsConnection": {
                "edges": [{"cursor": cursor, "node": {"upc": in_category[0]}}],
                "pageInfo": {"hasNextPage": len(in_category) > 1, "endCursor": cursor},
            }
        }
    }


@pytest.mark.parametrize("subgraph", ["inventory"], indirect=True)
async def test_inventory_product_entities_use_required_fields(subgraph: InProcessSubgraph) -> None:
    reps = [
        {"__typename": "Product", "upc": p.upc, "price": p.price, "weight": p.weight}
        for p in DATA.products
    ] + [{"__typename": "Product", "upc": "unknown", "price": 1, "weight": 1}]
    answer = await subgraph.entities(
        reps, "... on Product { upc inStock stockQuantity shippingEstimate }"
    )
    stock = {s.upc: s.quantity for s in DATA.stock}
    assert answer == {
        "data": {
            "_entities": [
                {
                    "__typename": "Product",
                    "upc": p.upc,
                    "inStock": stock[p.upc] > 0,
                    "stockQuantity": stock[p.upc],
                    "shippingEstimate": shipping_estimate(p.price, p.weight),
                }
                for p in DATA.products
            ]
            + [None]
        }
    }
    assert any(not entity["inStock"] for entity in answer["data"]["_entities"][:-1])


@pytest.mark.parametrize("subgraph", ["reviews"], indirect=True)
async def test_reviews_entities_for_review_user_and_product(subgraph: InProcessSubgraph) -> None:
    user_id, upc = 3, DATA.products[0].upc
    by_user = [r.id for r in DATA.reviews if r.author_id == user_id]
    by_product = [r.id for r in DATA.reviews if r.product_upc == upc]
    ratings = [r.rating for r in DATA.reviews if r.product_upc == upc]
    reps = [
        {"__typename": "Review", "id": "2"},
        {"__typename": "Review", "id": "99999"},
        {"__typename": "User", "id": str(user_id)},
        {"__typename": "Product", "upc": upc},
    ]
    answer = await subgraph.entities(
        reps,
        f"... on Review {{ {REVIEW_FIELDS} }} ... on User {{ id reviews {{ id }} }}"
        " ... on Product { upc reviews { id } reviewSummary { count averageRating }"
        " reviewsConnection(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
    )
    cursors = [encode_cursor("review", i) for i in by_product[:2]]
    assert answer == {
        "data": {
            "_entities": [
                {"__typename": "Review", **review_json(2)},
                None,
                {"__typename": "User", "id": "3", "reviews": [{"id": str(i)} for i in by_user]},
                {
                    "__typename": "Product",
                    "upc": upc,
                    "reviews": [{"id": str(i)} for i in by_product],
                    "reviewSummary": {
                        "count": len(ratings),
                        "averageRating": round(sum(ratings) / len(ratings), 2),
                    },
                    "reviewsConnection": {
                        "edges": [
                            {"cursor": c, "node": {"id": str(i)}}
                            for c, i in zip(cursors, by_product, strict=False)
                        ],
                        "pageInfo": {"hasNextPage": len(by_product) > 2, "endCursor": cursors[-1]},
                    },
                },
            ]
        }
    }


@pytest.mark.parametrize("subgraph", ["reviews"], indirect=True)
async def test_reviews_root_fields(subgraph: InProcessSubgraph) -> None:
    newest = sorted(DATA.reviews, key=lambda r: (r.created_at, r.id), reverse=True)[:3]
    answer = await subgraph.query(
        f'{{ review(id: "5") {{ {REVIEW_FIELDS} }} recentReviews(first: 3) {{ id }} }}'
    )
    assert answer == {
        "data": {
            "review": review_json(5),
            "recentReviews": [{"id": str(r.id)} for r in newest],
        }
    }
    no_reviews = await subgraph.entities(
        [{"__typename": "Product", "upc": "none"}],
        "... on Product { reviews { id } reviewSummary { count averageRating } }",
    )
    assert no_reviews == {
        "data": {
            "_entities": [
                {
                    "__typename": "Product",
                    "reviews": [],
                    "reviewSummary": {"count": 0, "averageRating": None},
                }
            ]
        }
    }


def order_json(order_id: int) -> dict[str, object]:
    o = DATA.orders[order_id - 1]
    return {
        "id": str(o.id),
        "user": {"id": str(o.user_id)},
        "total": o.total,
        "status": o.status,
        "placedAt": isoformat_utc(o.placed_at),
        "items": [
            {"product": {"upc": i.product_upc}, "quantity": i.quantity, "unitPrice": i.unit_price}
            for i in DATA.order_items
            if i.order_id == o.id
        ],
    }


ORDER_FIELDS = "id user { id } total status placedAt items { product { upc } quantity unitPrice }"


@pytest.mark.parametrize("subgraph", ["orders"], indirect=True)
async def test_orders_entities_for_order_and_user(subgraph: InProcessSubgraph) -> None:
    reps = [
        {"__typename": "Order", "id": "3"},
        {"__typename": "Order", "id": "0"},
        {"__typename": "User", "id": "2"},
    ]
    answer = await subgraph.entities(
        reps,
        f"... on Order {{ {ORDER_FIELDS} }} ... on User {{ id orders {{ id total }} }}",
        as_user="1",
    )
    mine = [o for o in DATA.orders if o.user_id == 2]
    assert answer == {
        "data": {
            "_entities": [
                {"__typename": "Order", **order_json(3)},
                None,
                {
                    "__typename": "User",
                    "id": "2",
                    "orders": [{"id": str(o.id), "total": o.total} for o in mine],
                },
            ]
        }
    }
    page = await subgraph.query(
        "query($a: String) { _entities(representations: "
        '[{__typename: "User", id: "2"}]) { ... on User { orders(first: 1, after: $a) { id } } } '
        f'order(id: "1") {{ {ORDER_FIELDS} }} }}',
        {"a": encode_cursor("order", mine[0].id)},
        as_user="1",
    )
    assert page == {
        "data": {"_entities": [{"orders": [{"id": str(mine[1].id)}]}], "order": order_json(1)}
    }
