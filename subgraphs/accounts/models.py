"""The accounts store: users and their credentials (SQLModel; no GraphQL here).

Credentials are a table of their own (one row per user that can log in), so a store created
before passwords existed gains them with ``create_all`` and no migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = ["TABLES", "Credential", "User"]


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    username: str = Field(unique=True, index=True)
    email: str
    created_at: datetime


class Credential(SQLModel, table=True):
    """An Argon2id password hash (``servicekit.auth.PasswordHashing``) and the last login."""

    __tablename__ = "credentials"

    user_id: int = Field(primary_key=True, foreign_key="users.id")
    password_hash: str
    last_login_at: datetime | None = None


TABLES: list[type[SQLModel]] = [User, Credential]
