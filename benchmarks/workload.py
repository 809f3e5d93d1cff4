"""The benchmark workload: static data, subgraph SDLs, the deep query and its expected answer.

The workload mirrors The Guild's graphql-gateways-benchmark (accounts, inventory, products,
reviews; one deep query; a response of about 87 KB) over data of our own in
``benchmarks/workload/data.json``. The expected response is computed here by graphql-core
executing the query against a plain (non-federated) schema over the same data: an oracle that
shares no code with the subgraphs or any gateway, so a gateway that plans or merges wrongly fails
the check instead of being measured.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import build_schema, graphql_sync

__all__ = [
    "QUERY_PATH",
    "SUBGRAPH_NAMES",
    "SUPERGRAPH_PATH",
    "WORKLOAD_DIR",
    "Workload",
    "expected_response",
    "load_workload",
    "request_body",
    "shipping_estimate",
]

WORKLOAD_DIR = Path(__file__).resolve().parent / "workload"
QUERY_PATH = WORKLOAD_DIR / "query.graphql"
DATA_PATH = WORKLOAD_DIR / "data.json"
SUPERGRAPH_PATH = WORKLOAD_DIR / "supergraph.graphql"
SUBGRAPH_NAMES = ("accounts", "inventory", "products", "reviews")

_API_SDL = """
type Query {
  me: User
  user(id: ID!): User
  users: [User]
  topProducts(first: Int = 5): [Product]
}
type User { id: ID! name: String username: String birthday: Int reviews: [Review] }
type Review { id: ID! body: String product: Product author: User }
type Product {
  upc: String! name: String price: Int weight: Int inStock: Boolean shippingEstimate: Int
  reviews: [Review]
}
"""


def shipping_estimate(price: int | None, weight: int | None) -> int | None:
    """Inventory's rule (``@requires(fields: "price weight")``): free above 1000, else weight/2."""
    if price is None:
        return None
    if price > 1000:
        return 0
    return None if weight is None else weight // 2


@dataclass(frozen=True)
class Workload:
    """The static data as loaded, indexed the way every resolver needs it."""

    users: list[dict[str, Any]]
    products: list[dict[str, Any]]
    in_stock: dict[str, bool]
    reviews: list[dict[str, Any]]

    def user(self, user_id: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u["id"] == user_id), None)

    def product(self, upc: str) -> dict[str, Any] | None:
        return next((p for p in self.products if p["upc"] == upc), None)


@cache
def load_workload(path: Path = DATA_PATH) -> Workload:
    data = json.loads(path.read_text())
    return Workload(
        users=data["users"],
        products=data["products"],
        in_stock={row["upc"]: row["inStock"] for row in data["inventory"]},
        reviews=data["reviews"],
    )


def _objects(workload: Workload) -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    """Resolvable user and product objects (graphql-core calls callables as resolvers)."""

    def review(row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "body": row["body"],
            "product": lambda *_: product(row["productUpc"]),
            "author": lambda *_: user(row["authorId"]),
        }

    def user(user_id: str) -> dict[str, Any] | None:
        row = workload.user(user_id)
        if row is None:
            return None
        by_author = [r for r in workload.reviews if r["authorId"] == user_id]
        return {**row, "reviews": lambda *_: [review(r) for r in by_author]}

    def product(upc: str) -> dict[str, Any] | None:
        row = workload.product(upc)
        if row is None:
            return None
        of_product = [r for r in workload.reviews if r["productUpc"] == upc]
        return {
            **row,
            "inStock": workload.in_stock.get(upc),
            "shippingEstimate": shipping_estimate(row.get("price"), row.get("weight")),
            "reviews": lambda *_: [review(r) for r in of_product],
        }

    return user, product


def expected_response(
    query: str, variables: Mapping[str, Any] | None = None, workload: Workload | None = None
) -> dict[str, Any]:
    """``{"data": ...}`` as any correct gateway must answer ``query`` over the static data."""
    data = workload or load_workload()
    user, product = _objects(data)

    def top_products(_info: Any, first: int = 5) -> list[Any]:
        return [product(p["upc"]) for p in data.products[:first]]

    root: dict[str, Callable[..., Any]] = {
        "me": lambda *_: user(data.users[0]["id"]),
        "user": lambda _info, **args: user(args["id"]),
        "users": lambda *_: [user(u["id"]) for u in data.users],
        "topProducts": top_products,
    }
    result = graphql_sync(
        _api_schema(), query, root_value=root, variable_values=dict(variables or {})
    )
    if result.errors:
        raise ValueError(f"the oracle could not run the query: {result.errors}")
    return {"data": result.data}


@cache
def _api_schema() -> Any:
    return build_schema(_API_SDL)


def request_body(query: str, variables: Mapping[str, Any] | None = None) -> bytes:
    """The POST body every load tool sends (compact JSON, as a client would)."""
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = dict(variables)
    return json.dumps(payload, separators=(",", ":")).encode()
