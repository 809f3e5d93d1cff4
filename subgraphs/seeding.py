"""The deterministic demo data of every domain, generated once from a few sizes.

One generator produces all domains' rows so they agree across stores: reviews' denormalized
author usernames match accounts, order items' unit prices match products. Each subgraph inserts
only its own part (``subgraphs/<domain>/seed.py``); the same sizes always give the same rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "CATEGORIES",
    "ORDER_STATUSES",
    "OrderItemRow",
    "OrderRow",
    "PaymentRow",
    "ProductRow",
    "ReviewRow",
    "SeedData",
    "SeedSizes",
    "StockRow",
    "UserRow",
    "generate",
]

FIRST_NAMES = (
    "Ada", "Alan", "Grace", "Linus", "Barbara", "Edsger", "Margaret", "Dennis", "Frances", "Ken",
    "Radia", "Donald", "Hedy", "John", "Katherine", "Tim", "Sophie", "Guido", "Anita", "Bjarne",
)  # fmt: skip
LAST_NAMES = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Ritchie",
    "Allen", "Thompson", "Perlman", "Knuth", "Lamarr", "McCarthy", "Johnson", "Berners-Lee",
    "Wilson", "Rossum", "Borg", "Stroustrup",
)  # fmt: skip
ADJECTIVES = (
    "Table", "Couch", "Chair", "Lamp", "Desk", "Shelf", "Stool", "Bench", "Rug", "Clock",
)  # fmt: skip
MATERIALS = ("Oak", "Walnut", "Steel", "Bamboo", "Glass", "Linen", "Cork", "Marble")
CATEGORIES = ("furniture", "lighting", "decor", "office", "outdoor", "kitchen")
ORDER_STATUSES = ("PLACED", "SHIPPED", "DELIVERED", "CANCELLED")
WORDS = (
    "solid", "sturdy", "lovely", "cheap", "elegant", "wobbly", "great", "value", "colour",
    "finish", "arrived", "quickly", "broke", "after", "a", "week", "would", "buy", "again",
    "perfect", "for", "my", "flat", "too", "small", "heavy", "light", "love", "it",
)  # fmt: skip
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
OUT_OF_STOCK_EVERY = 7  # every 7th product has no stock, so inStock is false somewhere
DEMO_CARDS = (("visa", "4242"), ("mastercard", "4444"), ("amex", "0005"))
"""Brand and last four digits of Stripe's succeeding test cards, taken in turn by seeded payments."""


@dataclass(frozen=True)
class SeedSizes:
    """How much demo data; the defaults keep the benchmark query's answer near the public
    benchmark's size (about 87 KB)."""

    users: int = 10
    products: int = 10
    reviews_per_product: int = 3
    orders_per_user: int = 2


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    username: str
    email: str
    created_at: datetime


@dataclass(frozen=True)
class ProductRow:
    upc: str
    name: str
    price: int
    weight: int
    description: str
    category: str


@dataclass(frozen=True)
class StockRow:
    upc: str
    quantity: int


@dataclass(frozen=True)
class ReviewRow:
    id: int
    product_upc: str
    author_id: int
    author_username: str
    body: str
    rating: int
    created_at: datetime


@dataclass(frozen=True)
class OrderRow:
    id: int
    user_id: int
    status: str
    total: int
    placed_at: datetime
    idempotency_key: str


@dataclass(frozen=True)
class OrderItemRow:
    id: int
    order_id: int
    product_upc: str
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class PaymentRow:
    id: int
    order_id: int
    buyer_id: int
    amount: int
    currency: str
    status: str
    method_brand: str
    method_last4: str
    provider: str
    provider_reference: str
    failure_reason: str | None
    refund_reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SeedData:
    """Every domain's rows; a subgraph's seeder reads only its own fields."""

    sizes: SeedSizes
    users: list[UserRow]
    products: list[ProductRow]
    stock: list[StockRow]
    reviews: list[ReviewRow]
    orders: list[OrderRow]
    order_items: list[OrderItemRow]
    payments: list[PaymentRow]


def upc_for(index: int) -> str:
    """Twelve digits, so text order is catalogue order."""
    return f"{100000000000 + index}"


def _users(rng: random.Random, count: int) -> list[UserRow]:
    rows = []
    for index in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{first}{last[0]}{index}".lower()
        created = EPOCH + timedelta(days=rng.randrange(365), seconds=rng.randrange(86400))
        rows.append(UserRow(index, f"{first} {last}", username, f"{username}@example.com", created))
    return rows


def _products(rng: random.Random, count: int) -> list[ProductRow]:
    rows = []
    for index in range(1, count + 1):
        name = f"{rng.choice(MATERIALS)} {rng.choice(ADJECTIVES)}"
        description = f"A {_sentence(rng, 6)} {name.lower()}."
        price = rng.randrange(199, 3000)
        rows.append(
            ProductRow(
                upc_for(index),
                name,
                price,
                rng.randrange(50, 2000),
                description,
                rng.choice(CATEGORIES),
            )
        )
    return rows


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _reviews(
    rng: random.Random, products: list[ProductRow], users: list[UserRow], per_product: int
) -> list[ReviewRow]:
    rows: list[ReviewRow] = []
    if not users:
        return rows
    for product in products:
        for _ in range(per_product):
            author = rng.choice(users)
            body = _sentence(rng, rng.randrange(4, 10)).capitalize() + "."
            created = EPOCH + timedelta(days=rng.randrange(400), seconds=rng.randrange(86400))
            rows.append(
                ReviewRow(
                    len(rows) + 1,
                    product.upc,
                    author.id,
                    author.username,
                    body,
                    rng.randrange(1, 6),
                    created,
                )
            )
    return rows


def _orders(
    rng: random.Random, users: list[UserRow], products: list[ProductRow], per_user: int
) -> tuple[list[OrderRow], list[OrderItemRow]]:
    orders: list[OrderRow] = []
    items: list[OrderItemRow] = []
    if not products:
        return orders, items
    for user in users:
        for _ in range(per_user):
            order_id = len(orders) + 1
            chosen = rng.sample(products, k=min(len(products), rng.randrange(1, 4)))
            lines = [
                OrderItemRow(len(items) + n + 1, order_id, p.upc, rng.randrange(1, 4), p.price)
                for n, p in enumerate(chosen)
            ]
            items.extend(lines)
            placed = EPOCH + timedelta(days=rng.randrange(400), seconds=rng.randrange(86400))
            orders.append(
                OrderRow(
                    order_id,
                    user.id,
                    rng.choice(ORDER_STATUSES),
                    sum(line.quantity * line.unit_price for line in lines),
                    placed,
                    f"seed-order-{order_id}",
                )
            )
    return orders, items


def _payments(orders: list[OrderRow]) -> list[PaymentRow]:
    """One payment per order, the order's total charged (no random draws: the other domains'
    rows stay what they were before payments existed); a cancelled order's was refunded."""
    rows = []
    for order in orders:
        brand, last4 = DEMO_CARDS[(order.id - 1) % len(DEMO_CARDS)]
        cancelled = order.status == "CANCELLED"
        rows.append(
            PaymentRow(
                id=order.id,
                order_id=order.id,
                buyer_id=order.user_id,
                amount=order.total,
                currency="USD",
                status="REFUNDED" if cancelled else "CHARGED",
                method_brand=brand,
                method_last4=last4,
                provider="demo",
                provider_reference=f"demo_ch_seed_{order.id:06d}",
                failure_reason=None,
                refund_reason="order cancelled" if cancelled else None,
                created_at=order.placed_at,
                updated_at=order.placed_at + timedelta(days=1) if cancelled else order.placed_at,
            )
        )
    return rows


def generate(sizes: SeedSizes | None = None) -> SeedData:
    """All domains' rows for ``sizes``; the same sizes give the same rows, byte for byte."""
    sizes = sizes or SeedSizes()
    rng = random.Random(1_000_003)
    users = _users(rng, sizes.users)
    products = _products(rng, sizes.products)
    stock = [
        StockRow(p.upc, 0 if index % OUT_OF_STOCK_EVERY == 0 else 20 + (index * 13) % 80)
        for index, p in enumerate(products, start=1)
    ]
    reviews = _reviews(rng, products, users, sizes.reviews_per_product)
    orders, items = _orders(rng, users, products, sizes.orders_per_user)
    return SeedData(sizes, users, products, stock, reviews, orders, items, _payments(orders))
