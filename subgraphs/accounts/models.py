"""The accounts store: users (SQLModel; no GraphQL here)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = ["TABLES", "User"]


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    username: str = Field(unique=True, index=True)
    email: str
    created_at: datetime


TABLES: list[type[SQLModel]] = [User]
