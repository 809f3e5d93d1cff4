"""The reviews store (SQLModel; no GraphQL here).

``author_username`` is denormalized from accounts at write time, so ``Review.author`` can
``@provide`` the username without a jump to accounts.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = ["TABLES", "Review"]


class Review(SQLModel, table=True):
    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    product_upc: str = Field(index=True)
    author_id: int = Field(index=True)
    author_username: str
    body: str
    rating: int
    created_at: datetime = Field(index=True)


TABLES: list[type[SQLModel]] = [Review]
