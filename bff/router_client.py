"""The BFFs' one way to talk to the router: GraphQL over HTTP (POST JSON), with request counting.

Counting lives here because "a screen costs a constant number of router requests" is the
property the dataloaders exist for; tests and ``/debug/stats`` read :attr:`RouterClient.stats`.
The caller's ``authorization`` header is the only one forwarded, so the router verifies who is
asking; no client-sent identity header is ever passed on (issue #11).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bff import telemetry
from servicekit.http import create_http_client

__all__ = [
    "FORWARDED_HEADERS",
    "RouterClient",
    "RouterError",
    "RouterStats",
]

FORWARDED_HEADERS = ("authorization",)

_INTROSPECTION_SDL = """query BffSchemaVersion {
  __schema {
    queryType { name } mutationType { name }
    types { kind name fields(includeDeprecated: true) { name args { name type { ...T } }
      type { ...T } } inputFields { name type { ...T } } enumValues { name } possibleTypes { name } }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } }"""


class RouterError(Exception):
    """The router answered with errors and no usable data, or could not be reached.

    ``extensions`` carries the first router error's extensions (its ``code`` above all, e.g.
    ``OUT_OF_STOCK``); graphql-core copies an exception's ``extensions`` into the GraphQL error
    it reports, so the client sees the domain's code, not a generic one.
    """

    def __init__(
        self, message: str, errors: list[dict[str, Any]] | None = None, code: str = "ROUTER_ERROR"
    ) -> None:
        super().__init__(message)
        self.errors = errors or []
        first = self.errors[0].get("extensions") if self.errors else None
        self.extensions: dict[str, Any] = {
            "code": code,
            **(first if isinstance(first, dict) else {}),
        }


@dataclass
class RouterStats:
    """Counters since start (``requests`` counts GraphQL operations sent, schema probes excluded)."""

    requests: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def record(self, operation_name: str) -> None:
        self.requests += 1
        self.by_operation[operation_name] = self.by_operation.get(operation_name, 0) + 1


class RouterClient:
    """A pooled httpx client bound to the router's ``/graphql`` URL."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.stats = RouterStats()
        self._http = create_http_client(timeout_seconds=timeout_seconds, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one operation; return the whole body (``data`` and possibly ``errors``).

        Raises :class:`RouterError` when the router is unreachable or answers without data.
        """
        self.stats.record(operation_name or "anonymous")
        return await self._post(query, variables, operation_name, headers)

    async def _post(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = dict(variables)
        if operation_name:
            payload["operationName"] = operation_name
        outbound = {
            "content-type": "application/json",
            "accept": "application/graphql-response+json, application/json",
            **{k: v for k, v in (headers or {}).items() if k.lower() in FORWARDED_HEADERS},
        }
        try:
            with telemetry.router_call(operation_name):
                response = await self._http.post(
                    self.url,
                    content=orjson.dumps(payload),
                    headers=telemetry.router_call_headers(outbound),
                )
        except httpx.HTTPError as error:
            raise RouterError(
                f"router unreachable: {type(error).__name__}: {error}", code="ROUTER_UNREACHABLE"
            ) from error
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise RouterError(f"router answered {response.status_code} without JSON") from error
        if not isinstance(body, dict) or body.get("data") is None:
            errors = body.get("errors") if isinstance(body, dict) else None
            first = errors[0].get("message") if errors else f"status {response.status_code}"
            raise RouterError(str(first), errors)
        return body

    async def schema_hash(self) -> str:
        """A hash of the router's introspected schema: the version of every cache key.

        Not counted in :attr:`stats` (it is not part of any screen).
        """
        body = await self._post(_INTROSPECTION_SDL, None, "BffSchemaVersion", None)
        canonical = orjson.dumps(body["data"], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(canonical).hexdigest()[:16]

    async def probe(self) -> Mapping[str, Any]:
        """Readiness: the router answers a trivial query."""
        await self._post("query BffReady { __typename }", None, "BffReady", None)
        return {"url": self.url}
