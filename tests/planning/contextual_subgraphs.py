"""The two subgraphs of ``fixtures/contextual.subgraphs.graphql``, served by graphql-core:
``python -m tests.planning.contextual_subgraphs NAME PORT``.

Each serves its SDL section as an ordinary schema (a ``@fromContext`` argument is a plain
argument in its subgraph, Federation 2.8) plus ``_entities``. The answers depend on the
contextual arguments received (``price`` converts with the currency, ``summary`` prints the
locale), so a router that drops or misroutes a context value answers differently.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import uvicorn
from graphql import (
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLUnionType,
    build_schema,
    graphql,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from servicekit.health import health_routes

__all__ = ["SHOPS", "app", "subgraph_sdl"]

SOURCE = Path(__file__).parent / "fixtures" / "contextual.subgraphs.graphql"

SHOPS = {
    "S1": {"name": "Paris", "currency": "EUR", "locale": "fr", "items": ["I1", "I2"]},
    "S2": {"name": "Boston", "currency": "USD", "locale": "en", "items": ["I2", "I3"]},
    "S3": {"name": "Tokyo", "currency": "JPY", "locale": "ja", "items": []},
}
FEATURED = {"S1": "I2", "S2": "I3", "S3": None}
ITEMS = {"I1": ("Lamp", 10), "I2": ("Chair", 25), "I3": ("Desk", 100)}
RATES = {"EUR": 1, "USD": 2, "JPY": 150}
REVIEWS = {"I1": [("R1", 4)], "I2": [("R2", 5), ("R3", 2)], "I3": []}
STARS = {rid: stars for reviews in REVIEWS.values() for rid, stars in reviews}

_FEDERATION = """
scalar _Any
directive @key(fields: String!) repeatable on OBJECT | INTERFACE
directive @context(name: String!) repeatable on OBJECT | INTERFACE | UNION
directive @fromContext(field: String) on ARGUMENT_DEFINITION
directive @shareable on OBJECT | FIELD_DEFINITION
"""


def subgraph_sdl(name: str) -> str:
    """The SDL section of subgraph ``name`` (without its ``extend schema @link``)."""
    sections = re.split(r"^# subgraph: (\w+)\n", SOURCE.read_text(), flags=re.MULTILINE)
    found = dict(zip(sections[1::2], sections[2::2], strict=True))
    return "\n".join(
        line for line in found[name].splitlines() if not line.startswith("extend schema")
    )


def _shop(shop_id: str) -> dict[str, Any] | None:
    if shop_id not in SHOPS:
        return None
    data = SHOPS[shop_id]
    featured = FEATURED[shop_id]
    return {
        "__typename": "Shop",
        "id": shop_id,
        "name": data["name"],
        "currency": data["currency"],
        "locale": data["locale"],
        "items": [_item(i) for i in data["items"]],  # type: ignore[attr-defined]
        "featured": _item(featured) if featured else None,
    }


def _item(item_id: str) -> dict[str, Any]:
    title, base = ITEMS[item_id]
    return {
        "__typename": "Item",
        "id": item_id,
        "title": title,
        "base": base,
        "reviews": [{"__typename": "Review", "id": r, "stars": s} for r, s in REVIEWS[item_id]],
    }


def _price(item: dict[str, Any], _info: GraphQLResolveInfo, currency: str | None = None) -> str:
    if currency is None:
        return "no currency"
    return f"{item['base'] * RATES[currency]} {currency}"


def _summary(review: dict[str, Any], _info: GraphQLResolveInfo, locale: str | None = None) -> str:
    return f"{review['stars']} stars [{locale if locale is not None else 'no locale'}]"


def _entity(representation: dict[str, Any]) -> dict[str, Any] | None:
    typename, key = representation.get("__typename"), representation.get("id")
    if typename == "Shop":
        return _shop(str(key))
    if typename == "Item" and key in ITEMS:
        return _item(str(key))
    if typename == "Review" and key in STARS:
        return {"__typename": "Review", "id": key, "stars": STARS[str(key)]}
    return None


def app(name: str) -> Starlette:
    """One subgraph as an ASGI app (``/graphql``, ``/health``)."""
    sdl = subgraph_sdl(name)
    types = sorted(set(re.findall(r"^type (\w+) @key", sdl, flags=re.MULTILINE)))
    query_fields = "_entities(representations: [_Any!]!): [_Entity]!"
    if re.search(r"^type Query \{", sdl, flags=re.MULTILINE):
        sdl = sdl.replace("type Query {", "type Query { " + query_fields, 1)
    else:
        sdl += f"\ntype Query {{ {query_fields} }}\n"
    schema = build_schema(_FEDERATION + sdl + f"\nunion _Entity = {' | '.join(types)}\n")
    item, review, entity = (schema.type_map.get(n) for n in ("Item", "Review", "_Entity"))
    if isinstance(item, GraphQLObjectType) and "price" in item.fields:
        item.fields["price"].resolve = _price
    if isinstance(review, GraphQLObjectType):
        review.fields["summary"].resolve = _summary
    assert isinstance(entity, GraphQLUnionType)
    entity.resolve_type = lambda value, *_: value["__typename"]
    root = {
        "shops": lambda _info: [_shop(s) for s in SHOPS],
        "shop": lambda _info, id: _shop(id),
        "_entities": lambda _info, representations: [_entity(r) for r in representations],
    }

    async def endpoint(request: Request) -> JSONResponse:
        body = await request.json()
        result = await graphql(
            schema,
            body["query"],
            root_value=root,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        return JSONResponse(result.formatted)

    return Starlette(routes=[*health_routes(), Route("/graphql", endpoint, methods=["POST"])])


def main() -> None:
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(app(name), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
