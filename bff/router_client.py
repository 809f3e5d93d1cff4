"""The BFFs' one way to talk to the router: GraphQL over HTTP (POST JSON), with request counting.

Counting lives here because "a screen costs a constant number of router requests" is the
property the dataloaders exist for; tests and ``/debug/stats`` read :attr:`RouterClient.stats`.
The caller's ``authorization`` header is the only one forwarded, so the router verifies who is
asking; no client-sent identity header is ever passed on (issue #11).

Every request names this BFF with Apollo's client-awareness headers (``apollographql-client-name:
bff-web`` or ``bff-mobile``, ``apollographql-client-version``): the router applies that client's
trusted-document policy (issue #18, :mod:`router.trusted`) and labels its metrics with it.
With ``operation_ids`` (the BFF's router manifest, ``schema/persisted/bff-<name>.router.json``)
operations go by id, never as text: :meth:`RouterClient.execute_persisted` posts a step's pieces
as one client batch (a JSON array, Apollo's ``batch_http_link`` format, ``docs/requests.md``),
each ``{"operationName", "variables", "extensions": {"persistedQuery": {"version": 1,
"sha256Hash"}}}`` (Apollo's persisted query extension), so a router with ``policy: safelist``
for this client serves it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import httpx
import orjson
from graphql import OperationDefinitionNode, print_ast

from bff import telemetry
from servicekit.http import create_http_client
from servicekit.telemetry.context import CLIENT_NAME_HEADER, CLIENT_VERSION_HEADER

__all__ = [
    "CLIENT_VERSION",
    "FORWARDED_HEADERS",
    "PersistedCall",
    "RouterClient",
    "RouterError",
    "RouterStats",
    "persisted_payload",
]

FORWARDED_HEADERS = ("authorization",)


def _version() -> str:
    try:
        return metadata.version("federation-platform")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


CLIENT_VERSION = _version()
"""``apollographql-client-version``: the platform's version (``pyproject.toml``)."""

PersistedCall = tuple[str, Mapping[str, Any]]
"""``(operation name, variables)``: one operation of a persisted batch."""


def persisted_payload(
    operation_name: str, sha256: str, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One operation by id, no text (Apollo's ``extensions.persistedQuery``, version 1)."""
    payload: dict[str, Any] = {
        "operationName": operation_name,
        "variables": dict(variables or {}),
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}},
    }
    return payload


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
    """Counters since start, schema probes excluded: ``requests`` counts HTTP requests (a
    persisted batch is one), ``operations`` the GraphQL operations in them, ``bytes_sent`` their
    bodies, ``by_id`` the operations sent as an id without text."""

    requests: int = 0
    operations: int = 0
    by_id: int = 0
    bytes_sent: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def record(
        self, operation_name: str, body_bytes: int = 0, operations: int = 1, by_id: bool = False
    ) -> None:
        self.requests += 1
        self.operations += operations
        self.by_id += operations if by_id else 0
        self.bytes_sent += body_bytes
        self.by_operation[operation_name] = self.by_operation.get(operation_name, 0) + 1


class RouterClient:
    """A pooled httpx client bound to the router's ``/graphql`` URL."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        client_name: str = "bff",
        client_version: str = CLIENT_VERSION,
        operation_ids: Mapping[str, str] | None = None,
        max_batch_size: int = 10,
    ) -> None:
        self.url = url
        self.stats = RouterStats()
        self.client_headers = {
            CLIENT_NAME_HEADER: client_name,
            CLIENT_VERSION_HEADER: client_version,
        }
        """Apollo's client-awareness headers, sent with every request (HTTP and WebSocket)."""
        self.operation_ids = dict(operation_ids) if operation_ids is not None else None
        """Operation name -> sha256 id of the BFF's router manifest; None: operations go as text."""
        self.max_batch_size = max_batch_size
        """The router's ``batching.maximum_size``: a longer step is split into several posts."""
        # aiohttp moves the bytes (servicekit.aiohttp_transport): 12% fewer instructions per cold
        # mobile feed screen than httpx's own transport (issue #20); tests hand their own one
        self._http = create_http_client(
            timeout_seconds=timeout_seconds, transport=transport, aiohttp_transport=True
        )

    @property
    def by_id(self) -> bool:
        """Operations are sent as persisted ids (the BFF's ``router_persisted_ids`` setting)."""
        return self.operation_ids is not None

    def operation_id(self, operation_name: str) -> str:
        """The manifest id of a router operation (``KeyError`` when ids are off or it is absent)."""
        if self.operation_ids is None:
            raise KeyError(f"{operation_name}: persisted ids are off")
        return self.operation_ids[operation_name]

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
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = dict(variables)
        if operation_name:
            payload["operationName"] = operation_name
        content = orjson.dumps(payload)
        self.stats.record(operation_name or "anonymous", len(content))
        return await self._post(content, operation_name, headers)

    async def execute_operation(
        self,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one named operation of the BFF's router document: by id when ids are on,
        else as its text. Raises :class:`RouterError` as :meth:`execute`."""
        name = operation.name.value if operation.name else "anonymous"
        if self.operation_ids is None:
            return await self.execute(
                print_ast(operation), variables, operation_name=name, headers=headers
            )
        content = orjson.dumps(persisted_payload(name, self.operation_id(name), variables))
        self.stats.record(name, len(content), by_id=True)
        return await self._post(content, name, headers)

    async def execute_persisted(
        self,
        calls: Sequence[PersistedCall],
        *,
        label: str,
        headers: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Send operations by id as one client batch (a JSON array; several when there are
        more than :attr:`max_batch_size`, posted concurrently); each answer (``data`` and/or
        ``errors``) in the order of ``calls``.

        A refused operation answers in its own slot (the router's batching); a refused batch
        (batching off, too large) or an unreachable router raises :class:`RouterError`.
        ``label`` names the request in stats and spans (``BffStep``)."""
        size = max(1, self.max_batch_size)
        chunks = [calls[i : i + size] for i in range(0, len(calls), size)]
        answers = await asyncio.gather(*(self._batch(chunk, label, headers) for chunk in chunks))
        return [answer for chunk in answers for answer in chunk]

    async def _batch(
        self, calls: Sequence[PersistedCall], label: str, headers: Mapping[str, str] | None
    ) -> list[dict[str, Any]]:
        content = orjson.dumps(
            [persisted_payload(name, self.operation_id(name), v) for name, v in calls]
        )
        self.stats.record(label, len(content), operations=len(calls), by_id=True)
        _, body = await self._send(content, label, headers)
        if isinstance(body, list) and len(body) == len(calls):
            return [answer if isinstance(answer, dict) else {} for answer in body]
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0].get("message") if errors else "the router did not answer the batch"
        raise RouterError(str(first), errors)

    async def _send(
        self, content: bytes, operation_name: str | None, headers: Mapping[str, str] | None
    ) -> tuple[int, Any]:
        """POST ``content``; the status and the decoded JSON answer, whatever its shape."""
        outbound = {
            "content-type": "application/json",
            "accept": "application/graphql-response+json, application/json",
            **{k: v for k, v in (headers or {}).items() if k.lower() in FORWARDED_HEADERS},
            **self.client_headers,
        }
        try:
            with telemetry.router_call(operation_name):
                response = await self._http.post(
                    self.url, content=content, headers=telemetry.router_call_headers(outbound)
                )
        except httpx.HTTPError as error:
            raise RouterError(
                f"router unreachable: {type(error).__name__}: {error}", code="ROUTER_UNREACHABLE"
            ) from error
        try:
            return response.status_code, orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            raise RouterError(f"router answered {response.status_code} without JSON") from error

    async def _post(
        self, content: bytes, operation_name: str | None, headers: Mapping[str, str] | None
    ) -> dict[str, Any]:
        """One operation: its whole body, or :class:`RouterError` when it has no data."""
        status, body = await self._send(content, operation_name, headers)
        if not isinstance(body, dict) or body.get("data") is None:
            errors = body.get("errors") if isinstance(body, dict) else None
            first = errors[0].get("message") if errors else f"status {status}"
            raise RouterError(str(first), errors)
        return body

    async def schema_hash(self) -> str:
        """A hash of the router's introspected schema: the version of every cache key.

        Not counted in :attr:`stats` (it is not part of any screen).
        """
        payload = {"query": _INTROSPECTION_SDL, "operationName": "BffSchemaVersion"}
        body = await self._post(orjson.dumps(payload), "BffSchemaVersion", None)
        canonical = orjson.dumps(body["data"], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(canonical).hexdigest()[:16]

    async def probe(self, operation: OperationDefinitionNode | None = None) -> Mapping[str, Any]:
        """Readiness: the router answers a trivial query (the BFF's ``Bff*_Ready`` piece, by id
        when ids are on, so a safelisting router answers it too). Not counted in :attr:`stats`."""
        if operation is None or operation.name is None:
            payload: dict[str, Any] = {"query": "query BffReady { __typename }"}
            name = "BffReady"
        elif self.operation_ids is None:
            name = operation.name.value
            payload = {"query": print_ast(operation), "operationName": name}
        else:
            name = operation.name.value
            payload = persisted_payload(name, self.operation_id(name), None)
        await self._post(orjson.dumps(payload), name, None)
        return {"url": self.url}
