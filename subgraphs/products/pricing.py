"""Change a product's price (no GraphQL here): one transaction with its ``PriceChanged`` event
in the outbox (issue #15), published by the relay running in the products process."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from servicekit.events import outbox
from servicekit.events.contracts import PriceChanged
from subgraphs.common.db import Database
from subgraphs.products.models import Product

__all__ = ["update_price"]


async def update_price(db: Database, upc: str, price: int) -> Product | None:
    """Set ``upc``'s price in cents; returns the updated product, ``None`` for an unknown UPC."""
    async with db.session() as session, session.begin():
        result = await session.execute(
            update(Product).where(col(Product.upc) == upc).values(price=price)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        outbox.add(session, PriceChanged(upc=upc, price=price))
        return await session.get(Product, upc, populate_existing=True)
