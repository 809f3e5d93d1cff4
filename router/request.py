"""The one boundary between the HTTP surface and the router core: request in, response out.

The HTTP layer turns a GET/POST (and APQ) into a :class:`GraphQLRequest` and hands it to
``Gateway.execute`` (``router/gateway.py``); the core answers a :class:`GraphQLResponse`. A
response without ``data`` is a *request error* (parse, validation, variable coercion): the HTTP
layer maps that to 400 under ``application/graphql-response+json``, as the GraphQL-over-HTTP spec
says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from servicekit.auth.principal import ANONYMOUS, Principal

__all__ = ["EncodedData", "GraphQLRequest", "GraphQLResponse", "graphql_error"]


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """A well-formed GraphQL request: the document text is known (APQ already resolved)."""

    query: str
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    extensions: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    """Inbound HTTP headers, lower-cased names; the source of header propagation and identity."""
    include_plan: bool = False
    """Put the query plan into ``extensions.queryPlan`` (development mode only)."""
    allowed_operation_types: frozenset[str] = frozenset({"query", "mutation"})
    """GET requests narrow this to ``{"query"}``."""
    principal: Principal = ANONYMOUS
    """The verified caller (the HTTP layer's ``RequestGate``); authorization and the identity
    headers sent to subgraphs read it."""
    accepts_incremental: bool = False
    """The client accepts incremental delivery (``multipart/mixed``, ``deferSpec=20220824``):
    a ``@defer`` query is then answered in parts (``GraphQLResponse.subsequent``)."""
    client_ip: str | None = None
    """The client's address, resolved once by the HTTP layer: the TCP peer, or what a trusted
    proxy says it forwarded for (:mod:`servicekit.client_address`); None when unknown."""


@dataclass(slots=True)
class EncodedData:
    """One ``data`` tree shared by several responses (inbound deduplication), serialized to JSON
    once for all of them: each sharer's body splices the same bytes in (``orjson.Fragment``)."""

    value: Any
    _fragment: orjson.Fragment | None = None

    def fragment(self) -> orjson.Fragment:
        if self._fragment is None:
            # the options of router.http.render.json_response, so the bytes are the same
            self._fragment = orjson.Fragment(
                orjson.dumps(self.value, option=orjson.OPT_NON_STR_KEYS)
            )
        return self._fragment


@dataclass(slots=True)
class GraphQLResponse:
    """The response body; ``has_data`` is false for request errors (no execution happened)."""

    data: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    has_data: bool = True
    status_hint: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers the core sets (issue #17: ``Cache-Control``, ``Cache-Tag``)."""
    """A status the core insists on (e.g. 405 for a mutation over GET), else the HTTP layer decides."""
    subsequent: AsyncIterator[dict[str, Any]] | None = None
    """``@defer``: the payloads after this one (``hasNext``/``incremental``), when the request
    accepts incremental delivery and something was deferred; ``to_dict`` is the first part."""
    shared_data: EncodedData | None = None
    """Set when ``data`` is shared with other responses (inbound deduplication): its JSON is
    then encoded once, used while ``data`` is still that tree."""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.errors:
            body["errors"] = self.errors
        if self.has_data:
            body["data"] = self.data
        if self.extensions:
            body["extensions"] = self.extensions
        return body

    @classmethod
    def request_error(
        cls, message: str, code: str, *, status_hint: int | None = None, **extra: Any
    ) -> GraphQLResponse:
        return cls(
            errors=[graphql_error(message, code, **extra)], has_data=False, status_hint=status_hint
        )


def graphql_error(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """A GraphQL error object with ``extensions.code`` (Apollo's convention)."""
    error: dict[str, Any] = {"message": message}
    locations = extra.pop("locations", None)
    path = extra.pop("path", None)
    if locations:
        error["locations"] = locations
    if path is not None:
        error["path"] = path
    error["extensions"] = {"code": code, **extra}
    return error
