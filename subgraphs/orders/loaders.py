"""Per-request loaders of the orders subgraph (one query per batch)."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlmodel import col

from subgraphs.common.batching import WindowKey, entity_loader, group_loader, window_loader
from subgraphs.common.db import Database
from subgraphs.orders.models import Order, OrderItem, OrderStatusEntry

__all__ = ["Loaders"]


@dataclass
class Loaders:
    orders: DataLoader[int, Order | None]
    items: DataLoader[int, list[OrderItem]]
    user_pages: DataLoader[WindowKey, list[Order]]
    history: DataLoader[int, list[OrderStatusEntry]]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            orders=entity_loader(db, Order, col(Order.id)),
            items=group_loader(db, OrderItem, col(OrderItem.order_id), col(OrderItem.id)),
            user_pages=window_loader(db, Order, col(Order.user_id), col(Order.id)),
            history=group_loader(
                db, OrderStatusEntry, col(OrderStatusEntry.order_id), col(OrderStatusEntry.id)
            ),
        )
