"""The products store: the catalogue (SQLModel; no GraphQL here). Prices are in cents."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from servicekit.events.store import EVENT_TABLES

__all__ = ["TABLES", "Product"]


class Product(SQLModel, table=True):
    __tablename__ = "products"

    upc: str = Field(primary_key=True)
    name: str
    price: int
    weight: int
    description: str
    category: str = Field(index=True)


TABLES: list[type[SQLModel]] = [Product, *EVENT_TABLES]
