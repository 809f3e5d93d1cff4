"""The answers each BFF screen must give, built from the seed generator's rows alone.

Written independently of the BFF code (own price formatting, own ordering rules) so a test
compares two derivations of the same screen.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from subgraphs.seeding import ProductRow, ReviewRow, SeedData

__all__ = [
    "account",
    "feed",
    "home_page",
    "my_orders",
    "product_detail",
    "product_page",
]


def money(cents: int) -> str:
    if not 0 <= cents < 100_000:
        raise ValueError("the seed's amounts are below $1,000")
    return f"${cents // 100}.{cents % 100:02d}"


def iso(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat()


def cursor(kind: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def _product(seed: SeedData, upc: str) -> ProductRow:
    return next(p for p in seed.products if p.upc == upc)


def _reviews(seed: SeedData, upc: str) -> list[ReviewRow]:
    return sorted((r for r in seed.reviews if r.product_upc == upc), key=lambda r: r.id)


def _average(seed: SeedData, upc: str) -> float | None:
    ratings = [r.rating for r in _reviews(seed, upc)]
    # reviews rounds the mean to 2 decimals, the BFFs to 1
    return round(round(sum(ratings) / len(ratings), 2), 1) if ratings else None


def _stock(seed: SeedData, upc: str) -> int:
    return next(s.quantity for s in seed.stock if s.upc == upc)


def _user_name(seed: SeedData, user_id: int) -> str:
    return next(u.name for u in seed.users if u.id == user_id)


def card(seed: SeedData, upc: str) -> dict[str, Any]:
    product = _product(seed, upc)
    return {
        "upc": upc,
        "name": product.name,
        "priceCents": product.price,
        "priceLabel": money(product.price),
        "inStock": _stock(seed, upc) > 0,
        "rating": {"count": len(_reviews(seed, upc)), "average": _average(seed, upc)},
    }


def home_page(seed: SeedData, featured: int = 8, reviews: int = 5) -> dict[str, Any]:
    recent = sorted(seed.reviews, key=lambda r: (r.created_at, r.id), reverse=True)[:reviews]
    return {
        "homePage": {
            "featured": [card(seed, p.upc) for p in seed.products[:featured]],
            "recentReviews": [
                {
                    "id": str(r.id),
                    "rating": r.rating,
                    "body": r.body,
                    "createdAt": iso(r.created_at),
                    "authorName": _user_name(seed, r.author_id),
                    "productUpc": r.product_upc,
                    "productName": _product(seed, r.product_upc).name,
                }
                for r in recent
            ],
        }
    }


def product_page(seed: SeedData, upc: str, first: int = 5, related: int = 4) -> dict[str, Any]:
    product = _product(seed, upc)
    reviews = _reviews(seed, upc)
    page = reviews[:first]
    same_category = [p for p in seed.products if p.category == product.category][: related + 1]
    shipping = 0 if product.price > 1000 else round(product.weight * 0.5)
    return {
        "productPage": {
            "upc": upc,
            "name": product.name,
            "description": product.description,
            "category": product.category,
            "priceCents": product.price,
            "priceLabel": money(product.price),
            "weightGrams": product.weight,
            "inStock": _stock(seed, upc) > 0,
            "stockQuantity": _stock(seed, upc),
            "shippingEstimateCents": shipping,
            "rating": {"count": len(reviews), "average": _average(seed, upc)},
            "reviews": {
                "totalCount": len(reviews),
                "reviews": [
                    {
                        "id": str(r.id),
                        "rating": r.rating,
                        "body": r.body,
                        "createdAt": iso(r.created_at),
                        "authorName": _user_name(seed, r.author_id),
                    }
                    for r in page
                ],
                "pageInfo": {
                    "hasNextPage": len(reviews) > first,
                    "endCursor": cursor("review", page[-1].id) if page else None,
                },
            },
            "related": [card(seed, p.upc) for p in same_category if p.upc != upc][:related],
        }
    }


def _order(seed: SeedData, order_id: int) -> dict[str, Any]:
    order = next(o for o in seed.orders if o.id == order_id)
    items = sorted((i for i in seed.order_items if i.order_id == order_id), key=lambda i: i.id)
    return {
        "id": str(order.id),
        "status": order.status,
        "placedAt": iso(order.placed_at),
        "totalCents": order.total,
        "totalLabel": money(order.total),
        "items": [
            {
                "upc": i.product_upc,
                "productName": _product(seed, i.product_upc).name,
                "quantity": i.quantity,
                "unitPriceCents": i.unit_price,
                "unitPriceLabel": money(i.unit_price),
            }
            for i in items
        ],
    }


def _orders_newest_first(seed: SeedData, user_id: int) -> list[Any]:
    mine = [o for o in seed.orders if o.user_id == user_id]
    return sorted(mine, key=lambda o: (o.placed_at, o.id), reverse=True)


def account(seed: SeedData, user_id: int) -> dict[str, Any]:
    user = next(u for u in seed.users if u.id == user_id)
    return {
        "account": {
            "id": str(user.id),
            "name": user.name,
            "username": user.username,
            "email": user.email,
            "memberSince": iso(user.created_at),
            "orders": [_order(seed, o.id) for o in _orders_newest_first(seed, user_id)],
        }
    }


def tile(seed: SeedData, product: ProductRow) -> dict[str, Any]:
    return {
        "upc": product.upc,
        "name": product.name,
        "price": money(product.price),
        "inStock": _stock(seed, product.upc) > 0,
        "rating": _average(seed, product.upc),
    }


def feed(seed: SeedData, first: int, start: int = 0) -> dict[str, Any]:
    page = seed.products[start : start + first]
    return {
        "feed": {
            "tiles": [tile(seed, p) for p in page],
            "endCursor": cursor("product", page[-1].upc) if page else None,
            "hasMore": start + first < len(seed.products),
        }
    }


def product_detail(seed: SeedData, upc: str) -> dict[str, Any]:
    product = _product(seed, upc)
    reviews = _reviews(seed, upc)
    top = sorted(reviews, key=lambda r: (-r.rating, -r.created_at.timestamp(), r.id))[:3]
    shipping = 0 if product.price > 1000 else round(product.weight * 0.5)
    return {
        "productDetail": {
            "upc": upc,
            "name": product.name,
            "price": money(product.price),
            "description": product.description,
            "inStock": _stock(seed, upc) > 0,
            "shipping": "Free" if shipping == 0 else money(shipping),
            "reviews": {
                "count": len(reviews),
                "average": _average(seed, upc),
                "top": [
                    {"rating": r.rating, "body": r.body, "author": _user_name(seed, r.author_id)}
                    for r in top
                ],
            },
        }
    }


def my_orders(seed: SeedData, user_id: int, first: int, start: int = 0) -> dict[str, Any]:
    orders = _orders_newest_first(seed, user_id)
    page = orders[start : start + first]
    return {
        "myOrders": {
            "orders": [
                {
                    "id": str(o.id),
                    "status": o.status,
                    "total": money(o.total),
                    "items": sum(i.quantity for i in seed.order_items if i.order_id == o.id),
                    "placedAt": iso(o.placed_at),
                }
                for o in page
            ],
            "endCursor": cursor("order", start + len(page) - 1) if page else None,
            "hasMore": start + len(page) < len(orders),
        }
    }
