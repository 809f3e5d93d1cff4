"""What ``placeOrder`` asks another subgraph synchronously, by direct HTTP to its routing URL:
unit prices from products (``productsByUpc``). Stock and payment are the saga's asynchronous
steps (subgraphs/orders/saga.py), not calls.

The call is a query, so a transport failure is retried once. A GraphQL error keeps its
``extensions.code``. Every call carries this service's signed identity
(:mod:`servicekit.auth.service`, audience: the called subgraph).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from servicekit.auth.service import service_secret, sign_service
from servicekit.health import ReadinessCheck
from servicekit.http import create_http_client, http_probe

__all__ = ["UpstreamError", "Upstreams"]

PRICES = "query Prices($upcs: [String!]!) { productsByUpc(upcs: $upcs) { upc price } }"
CALLER = "orders"


def _health_url(graphql_url: str) -> str:
    """``http://host:port/graphql`` -> ``http://host:port/health``."""
    parts = urlsplit(graphql_url)
    return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


class UpstreamError(Exception):
    """A subgraph answered with errors or not at all; ``code`` is its ``extensions.code``."""

    def __init__(self, message: str, code: str = "UPSTREAM_ERROR", **extensions: Any) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = extensions


class Upstreams:
    """A pooled HTTP client with timeouts, bound to the products URL."""

    def __init__(
        self,
        products_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.products_url = products_url
        self._client = create_http_client(timeout_seconds=timeout_seconds, transport=transport)

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """Optional: orders serves reads while products is down (``/ready`` says
        ``degraded``), only ``placeOrder`` needs it."""
        probe = http_probe(self._client, _health_url(self.products_url))
        return {"products": ReadinessCheck(probe, required=False)}

    async def aclose(self) -> None:
        await self._client.aclose()

    def _headers(self, audience: str, body: bytes) -> dict[str, str]:
        secret = service_secret()
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers |= sign_service(secret, CALLER, audience, body)
        return headers

    async def _post(
        self, url: str, audience: str, query: str, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = orjson.dumps({"query": query, "variables": dict(variables)})
        for attempt in range(2):
            try:
                headers = self._headers(audience, body)
                response = await self._client.post(url, content=body, headers=headers)
                break
            except httpx.TransportError as error:
                if attempt == 1:
                    raise UpstreamError(f"{url} unreachable: {error}") from error
        body = response.json() if response.content else {}
        errors = body.get("errors") or []
        if errors:
            first = errors[0]
            extensions = dict(first.get("extensions") or {})
            code = str(extensions.pop("code", "UPSTREAM_ERROR"))
            raise UpstreamError(first.get("message", "upstream error"), code, **extensions)
        if response.status_code != 200 or not isinstance(body.get("data"), dict):
            raise UpstreamError(f"{url} answered {response.status_code}")
        data: dict[str, Any] = body["data"]
        return data

    async def unit_prices(self, upcs: Sequence[str]) -> dict[str, int]:
        """Price in cents per known UPC (unknown UPCs are absent)."""
        data = await self._post(self.products_url, "products", PRICES, {"upcs": list(upcs)})
        return {p["upc"]: int(p["price"]) for p in data["productsByUpc"] if p is not None}
