"""Per-request loaders of the inventory subgraph (one ``IN`` query per batch)."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlmodel import col

from subgraphs.common.batching import entity_loader
from subgraphs.common.db import Database
from subgraphs.inventory.models import Stock

__all__ = ["Loaders"]


@dataclass
class Loaders:
    stock: DataLoader[str, Stock | None]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(stock=entity_loader(db, Stock, col(Stock.upc)))
