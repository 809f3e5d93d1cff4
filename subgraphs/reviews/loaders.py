"""Per-request loaders of the reviews subgraph: every list and summary is one query per batch."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlalchemy import func, select
from sqlmodel import col

from subgraphs.common.batching import WindowKey, entity_loader, group_loader, window_loader
from subgraphs.common.db import Database
from subgraphs.reviews.models import Review

__all__ = ["Loaders", "Summary"]


@dataclass(frozen=True)
class Summary:
    count: int
    average_rating: float | None


def summary_loader(db: Database) -> DataLoader[str, Summary]:
    """Count and average rating per product: one ``GROUP BY`` query per batch."""

    async def batch(upcs: list[str]) -> list[Summary]:
        statement = (
            select(
                col(Review.product_upc), func.count(col(Review.id)), func.avg(col(Review.rating))
            )
            .where(col(Review.product_upc).in_(set(upcs)))
            .group_by(col(Review.product_upc))
        )
        async with db.session() as session:
            rows = (await session.execute(statement)).all()
        found = {upc: Summary(count, round(float(avg), 2)) for upc, count, avg in rows}
        return [found.get(upc, Summary(0, None)) for upc in upcs]

    return DataLoader(batch)


@dataclass
class Loaders:
    reviews: DataLoader[int, Review | None]
    by_author: DataLoader[int, list[Review]]
    by_product: DataLoader[str, list[Review]]
    product_pages: DataLoader[WindowKey, list[Review]]
    summaries: DataLoader[str, Summary]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            reviews=entity_loader(db, Review, col(Review.id)),
            by_author=group_loader(db, Review, col(Review.author_id), col(Review.id)),
            by_product=group_loader(db, Review, col(Review.product_upc), col(Review.id)),
            product_pages=window_loader(db, Review, col(Review.product_upc), col(Review.id)),
            summaries=summary_loader(db),
        )
