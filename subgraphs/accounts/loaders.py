"""Per-request loaders of the accounts subgraph (one ``IN`` query per batch)."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlmodel import col

from subgraphs.accounts.models import User
from subgraphs.common.batching import entity_loader
from subgraphs.common.db import Database
from subgraphs.common.ids import parse_int_id

__all__ = ["Loaders", "parse_user_id"]


parse_user_id = parse_int_id


@dataclass
class Loaders:
    users: DataLoader[int, User | None]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(users=entity_loader(db, User, col(User.id)))
