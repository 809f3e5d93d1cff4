"""What the subgraphs must answer, computed from the seed generator alone (no store, no HTTP).

Also the whole expected answer of the public federation benchmark query, so any router test can
compare a response with it.
"""

from __future__ import annotations

from typing import Any

from subgraphs.common.clock import isoformat_utc
from subgraphs.seeding import ProductRow, ReviewRow, SeedData, UserRow

__all__ = [
    "benchmark_response",
    "product_json",
    "shipping_estimate",
    "user_json",
]


def shipping_estimate(price: int, weight: int) -> int:
    """Apollo's demo rule: free above 1000 cents, else half the weight, rounded."""
    return 0 if price > 1000 else round(weight * 0.5)


def user_json(user: UserRow) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "name": user.name,
        "username": user.username,
        "email": user.email,
        "createdAt": isoformat_utc(user.created_at),
    }


def product_json(product: ProductRow) -> dict[str, Any]:
    return {
        "upc": product.upc,
        "name": product.name,
        "price": product.price,
        "weight": product.weight,
        "description": product.description,
        "category": product.category,
    }


class _Benchmark:
    def __init__(self, data: SeedData) -> None:
        self.users = {u.id: u for u in data.users}
        self.products = {p.upc: p for p in data.products}
        self.stock = {s.upc: s.quantity for s in data.stock}
        self.by_author: dict[int, list[ReviewRow]] = {}
        self.by_product: dict[str, list[ReviewRow]] = {}
        for review in data.reviews:
            self.by_author.setdefault(review.author_id, []).append(review)
            self.by_product.setdefault(review.product_upc, []).append(review)

    def user(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        return {"id": str(user.id), "username": user.username, "name": user.name}

    def product(self, upc: str) -> dict[str, Any]:
        product = self.products[upc]
        return {
            "inStock": self.stock.get(upc, 0) > 0,
            "name": product.name,
            "price": product.price,
            "shippingEstimate": shipping_estimate(product.price, product.weight),
            "upc": upc,
            "weight": product.weight,
        }

    @staticmethod
    def review(review: ReviewRow) -> dict[str, Any]:
        return {"id": str(review.id), "body": review.body}

    def author_with_reviews(self, user_id: int) -> dict[str, Any]:
        return {
            **self.user(user_id),
            "reviews": [
                {**self.review(r), "product": self.product(r.product_upc)}
                for r in self.by_author.get(user_id, [])
            ],
        }

    def product_reviews(self, upc: str) -> list[dict[str, Any]]:
        return [
            {**self.review(r), "author": self.author_with_reviews(r.author_id)}
            for r in self.by_product.get(upc, [])
        ]


def benchmark_response(data: SeedData, top: int = 5) -> dict[str, Any]:
    """The ``data`` of /work/shared/benchmark/query.graphql over the seeded stores."""
    b = _Benchmark(data)
    users = [
        {
            **b.user(user_id),
            "reviews": [
                {
                    **b.review(r),
                    "product": {
                        **b.product(r.product_upc),
                        "reviews": b.product_reviews(r.product_upc),
                    },
                }
                for r in b.by_author.get(user_id, [])
            ],
        }
        for user_id in sorted(b.users)
    ]
    top_products = [
        {**b.product(p.upc), "reviews": b.product_reviews(p.upc)} for p in data.products[:top]
    ]
    return {"users": users, "topProducts": top_products}
