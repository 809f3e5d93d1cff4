"""The products subgraph's resolvers (Ariadne, schema-first: ``schema.graphql``).

``Product`` is the entity (``@key(fields: "upc")``); its reference resolver goes through the
request's loader, so ``_entities`` with N representations is one SQL statement.

``updateProductPrice`` is ``@requiresScopes(scopes: [["products:admin"]])``: the router refuses it
without the scope, and it is checked here again (a subgraph does not trust that only the router
calls it): ``FORBIDDEN`` without a verified ``products:admin`` caller. ``uploadProductImage``
(issue #18) takes an ``Upload`` (the GraphQL multipart request spec, Ariadne's
``upload_scalar``) under the same scope and stores it with :mod:`subgraphs.products.images`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ariadne import MutationType, QueryType, upload_scalar
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLError, GraphQLResolveInfo
from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import UploadFile

from subgraphs.common.ariadne_app import ariadne_schema
from subgraphs.common.db import Database
from subgraphs.common.identity import bind_multipart_operations, current_scopes
from subgraphs.common.limits import MAX_AMOUNT_CENTS, MAX_UPC, check_length
from subgraphs.common.pagination import clamp_first, decode_cursor, encode_cursor, page_of
from subgraphs.products.images import ImageTooLarge, ProductImages
from subgraphs.products.loaders import Loaders
from subgraphs.products.models import Product
from subgraphs.products.pricing import update_price

__all__ = ["ADMIN_SCOPE", "SDL_FILE", "make_context", "schema"]

SDL_FILE = Path(__file__).with_name("schema.graphql")
CURSOR_KIND = "product"
ADMIN_SCOPE = "products:admin"
CHUNK_BYTES = 64 * 1024

query = QueryType()
mutation = MutationType()
product_type = FederatedObjectType("Product")


def make_context(db: Database, request: Any, images: ProductImages | None = None) -> dict[str, Any]:
    return {"request": request, "db": db, "loaders": Loaders.create(db), "images": images}


def _as_graphql(row: Product | None) -> dict[str, Any] | None:
    return row.model_dump() if row is not None else None


async def _load(info: GraphQLResolveInfo, upc: object) -> dict[str, Any] | None:
    if not isinstance(upc, str):
        return None
    loaders: Loaders = info.context["loaders"]
    return _as_graphql(await loaders.products.load(upc))


async def _catalogue(
    db: Database, limit: int, after: str | None = None, category: str | None = None
) -> list[Product]:
    statement = select(Product).order_by(col(Product.upc)).limit(limit)
    if after is not None:
        statement = statement.where(col(Product.upc) > after)
    if category is not None:
        statement = statement.where(col(Product.category) == category)
    async with db.session() as session:
        return list((await session.scalars(statement)).all())


@product_type.reference_resolver
async def resolve_product_reference(
    _: Any, info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any] | None:
    if "upc" not in representation:
        raise ValueError("Product representation without its key field upc")
    return await _load(info, representation["upc"])


@query.field("topProducts")
async def resolve_top_products(_: Any, info: GraphQLResolveInfo, first: int = 5) -> list[Any]:
    rows = await _catalogue(info.context["db"], clamp_first(first, 5))
    return [_as_graphql(row) for row in rows]


@query.field("product")
async def resolve_product(_: Any, info: GraphQLResolveInfo, upc: str) -> dict[str, Any] | None:
    return await _load(info, upc)


@query.field("productsByUpc")
async def resolve_products_by_upc(
    _: Any, info: GraphQLResolveInfo, upcs: list[str]
) -> list[dict[str, Any] | None]:
    return list(await asyncio.gather(*(_load(info, upc) for upc in upcs)))


@query.field("productsConnection")
async def resolve_products_connection(
    _: Any,
    info: GraphQLResolveInfo,
    first: int = 20,
    after: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    size = clamp_first(first, 20)
    after_upc = decode_cursor(CURSOR_KIND, after)
    rows = await _catalogue(info.context["db"], size + 1, after_upc, category)
    page = page_of(rows, size, lambda row: encode_cursor(CURSOR_KIND, row.upc))
    return {
        "edges": [{"cursor": c, "node": _as_graphql(row)} for c, row in page.edges],
        "pageInfo": {"hasNextPage": page.has_next_page, "endCursor": page.end_cursor},
    }


@mutation.field("updateProductPrice")
async def resolve_update_product_price(
    _: Any, info: GraphQLResolveInfo, upc: str, price: int
) -> dict[str, Any]:
    if ADMIN_SCOPE not in current_scopes(info.context["request"]):
        raise GraphQLError(
            f"updateProductPrice needs the {ADMIN_SCOPE} scope", extensions={"code": "FORBIDDEN"}
        )
    check_length("upc", upc, MAX_UPC)
    if not 0 < price <= MAX_AMOUNT_CENTS:
        raise GraphQLError(
            f"price must be 1 to {MAX_AMOUNT_CENTS} cents",
            extensions={"code": "BAD_USER_INPUT", "argument": "price", "maximum": MAX_AMOUNT_CENTS},
        )
    row = await update_price(info.context["db"], upc, price)
    if row is None:
        raise GraphQLError(
            f"unknown product {upc}", extensions={"code": "UNKNOWN_PRODUCT", "upcs": [upc]}
        )
    return row.model_dump()


async def _upload_chunks(upload: Any) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


@mutation.field("uploadProductImage")
async def resolve_upload_product_image(
    _: Any, info: GraphQLResolveInfo, upc: str, image: Any
) -> dict[str, Any]:
    request = info.context["request"]
    await bind_multipart_operations(request)  # the router signed the `operations` part
    if ADMIN_SCOPE not in current_scopes(request):
        raise GraphQLError(
            f"uploadProductImage needs the {ADMIN_SCOPE} scope", extensions={"code": "FORBIDDEN"}
        )
    check_length("upc", upc, MAX_UPC)
    images: ProductImages | None = info.context.get("images")
    if images is None or not isinstance(image, UploadFile):
        raise GraphQLError("image must be a file upload", extensions={"code": "BAD_USER_INPUT"})
    if await _load(info, upc) is None:
        raise GraphQLError(
            f"unknown product {upc}", extensions={"code": "UNKNOWN_PRODUCT", "upcs": [upc]}
        )
    try:
        stored = await images.store(
            upc,
            image.filename or "image",
            image.content_type or "application/octet-stream",
            _upload_chunks(image),
        )
    except ImageTooLarge as error:
        raise GraphQLError(
            str(error), extensions={"code": "PAYLOAD_TOO_LARGE", "maximum": images.max_bytes}
        ) from None
    return {
        "upc": stored.upc,
        "filename": stored.filename,
        "contentType": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
    }


schema = ariadne_schema(SDL_FILE, query, mutation, product_type, upload_scalar)
