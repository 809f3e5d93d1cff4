"""Per-request loaders of the payments subgraph (one ``IN`` query per batch)."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlmodel import col

from subgraphs.common.batching import entity_loader
from subgraphs.common.db import Database
from subgraphs.payments.models import Payment

__all__ = ["Loaders"]


@dataclass
class Loaders:
    payments: DataLoader[int, Payment | None]
    by_order: DataLoader[int, Payment | None]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            payments=entity_loader(db, Payment, col(Payment.id)),
            by_order=entity_loader(db, Payment, col(Payment.order_id)),
        )
