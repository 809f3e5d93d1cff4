"""Per-request loaders of the products subgraph (one ``IN`` query per batch)."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlmodel import col

from subgraphs.common.batching import entity_loader
from subgraphs.common.db import Database
from subgraphs.products.models import Product

__all__ = ["Loaders"]


@dataclass
class Loaders:
    products: DataLoader[str, Product | None]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(products=entity_loader(db, Product, col(Product.upc)))
