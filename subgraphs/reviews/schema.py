"""The reviews subgraph's resolvers (Ariadne, schema-first: ``schema.graphql``).

``Review`` is an entity; ``User`` and ``Product`` are extended with their reviews. Reference
resolvers and nested lists go through the request's loaders: no N+1 however deep the query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ariadne import ObjectType, QueryType
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import select
from sqlmodel import col

from subgraphs.common.ariadne_app import ariadne_schema, datetime_scalar
from subgraphs.common.db import Database
from subgraphs.common.ids import parse_int_id
from subgraphs.common.pagination import clamp_first, decode_cursor, encode_cursor, page_of
from subgraphs.reviews.loaders import Loaders
from subgraphs.reviews.models import Review

__all__ = ["SDL_FILE", "make_context", "review_json", "schema"]

SDL_FILE = Path(__file__).with_name("schema.graphql")
CURSOR_KIND = "review"

query = QueryType()
review_type = FederatedObjectType("Review")
user_type = FederatedObjectType("User")
product_type = FederatedObjectType("Product")
summary_type = ObjectType("ReviewSummary")


def make_context(db: Database, request: Any) -> dict[str, Any]:
    return {"request": request, "db": db, "loaders": Loaders.create(db)}


def _loaders(info: GraphQLResolveInfo) -> Loaders:
    loaders: Loaders = info.context["loaders"]
    return loaders


def review_json(row: Review) -> dict[str, Any]:
    """A stored review as the GraphQL object; the author carries the provided username."""
    return {
        "id": str(row.id),
        "body": row.body,
        "rating": row.rating,
        "createdAt": row.created_at,
        "author": {"id": str(row.author_id), "username": row.author_username},
        "product": {"upc": row.product_upc},
    }


def _key(representation: dict[str, Any], field: str) -> Any:
    if field not in representation:
        raise ValueError(f"representation without its key field {field}")
    return representation[field]


@review_type.reference_resolver
async def resolve_review_reference(
    _: Any, info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any] | None:
    review_id = parse_int_id(_key(representation, "id"))
    if review_id is None:
        return None
    row = await _loaders(info).reviews.load(review_id)
    return review_json(row) if row else None


@user_type.reference_resolver
async def resolve_user_reference(
    _: Any, _info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any]:
    return {"id": str(_key(representation, "id"))}


@product_type.reference_resolver
async def resolve_product_reference(
    _: Any, _info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any]:
    return {"upc": str(_key(representation, "upc"))}


@user_type.field("reviews")
async def resolve_user_reviews(user: dict[str, Any], info: GraphQLResolveInfo) -> list[Any]:
    author_id = parse_int_id(user["id"])
    if author_id is None:
        return []
    return [review_json(row) for row in await _loaders(info).by_author.load(author_id)]


@product_type.field("reviews")
async def resolve_product_reviews(product: dict[str, Any], info: GraphQLResolveInfo) -> list[Any]:
    return [review_json(row) for row in await _loaders(info).by_product.load(product["upc"])]


@product_type.field("reviewSummary")
async def resolve_review_summary(product: dict[str, Any], info: GraphQLResolveInfo) -> Any:
    return await _loaders(info).summaries.load(product["upc"])


summary_type.set_alias("averageRating", "average_rating")


@product_type.field("reviewsConnection")
async def resolve_reviews_connection(
    product: dict[str, Any], info: GraphQLResolveInfo, first: int = 10, after: str | None = None
) -> dict[str, Any]:
    size = clamp_first(first, 10)
    after_key = decode_cursor(CURSOR_KIND, after)
    after_id = parse_int_id(after_key) if after_key is not None else None
    if after_key is not None and after_id is None:
        raise ValueError(f"invalid cursor {after!r}")
    rows = await _loaders(info).product_pages.load((product["upc"], size + 1, after_id))
    page = page_of(rows, size, lambda row: encode_cursor(CURSOR_KIND, row.id))
    return {
        "edges": [{"cursor": c, "node": review_json(row)} for c, row in page.edges],
        "pageInfo": {"hasNextPage": page.has_next_page, "endCursor": page.end_cursor},
    }


@query.field("review")
async def resolve_review(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
    review: dict[str, Any] | None = await resolve_review_reference(None, info, {"id": id})
    return review


@query.field("recentReviews")
async def resolve_recent_reviews(_: Any, info: GraphQLResolveInfo, first: int = 10) -> list[Any]:
    statement = (
        select(Review)
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
        .limit(clamp_first(first, 10))
    )
    db: Database = info.context["db"]
    async with db.session() as session:
        rows = (await session.scalars(statement)).all()
    return [review_json(row) for row in rows]


schema = ariadne_schema(
    SDL_FILE, query, review_type, user_type, product_type, summary_type, datetime_scalar
)
