"""The router's plugin API: what a hook receives, what it may change, and how it refuses.

A plugin is any object; it takes part in a stage by having the hook method of that stage
(the Protocols below, one method each, all ``async``). The six stages follow a request through
the router, like Apollo Router's service stages (router, supergraph, execution, subgraph) and
Envelop's hooks (``onRequest``, ``onParse``/``onValidate``, ``onExecute``, ``onResponse``):

============================  ==============================  ================================
hook                          when                            may change
============================  ==============================  ================================
``on_request``                HTTP request admitted (CSRF,    inbound headers (they feed header
                              token verified, rate limit),    propagation), response headers,
                              before GraphQL parsing          context values
``on_operation``              operation parsed, validated,    ``@policy`` decisions, context
                              variables coerced; before       values, response headers
                              authorization and planning
``on_plan``                   query plan built (or cached)    context values, response headers
``on_subgraph_request``       before each subgraph fetch      that fetch's headers and body
``on_subgraph_response``      after each subgraph fetch       its ``data`` and ``errors``
``on_response``               before the client's response    the response body (``errors``,
                              is rendered                     ``extensions``), response headers
============================  ==============================  ================================

Every hook may refuse by raising :class:`Rejection` (a GraphQL error with an ``extensions.code``
and an HTTP status, as an Apollo coprocessor's ``"control": {"break": status}``), and every hook
reads the verified identity (:attr:`RequestContext.principal`: the JWT's subject, scopes and
claims, from :mod:`router.security.gate`) and the values earlier hooks put in
:attr:`RequestContext.values`. Any other exception a plugin raises is logged with its traceback
and answered as a GraphQL error ``PLUGIN_ERROR`` naming the plugin and the hook: never a bare 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from graphql import DocumentNode

from router.request import GraphQLResponse, graphql_error
from servicekit.auth.principal import ANONYMOUS, Principal

__all__ = [
    "ClientResponse",
    "HttpRequest",
    "OnOperation",
    "OnPlan",
    "OnRequest",
    "OnResponse",
    "OnSubgraphRequest",
    "OnSubgraphResponse",
    "Operation",
    "PlanBuilt",
    "Rejection",
    "RequestContext",
    "SubgraphRequest",
    "SubgraphResponse",
]


class Rejection(Exception):
    """Raised by a hook to refuse: ``message`` and ``code`` become the GraphQL error
    (``extensions.code``, plus ``extensions``), ``status`` the HTTP status of a refused request.

    Before execution (``on_request``, ``on_operation``, ``on_plan``) and in ``on_response`` the
    whole request is refused (no ``data``). In ``on_subgraph_request``/``on_subgraph_response``
    only that fetch fails: its fields are null with this error, the rest of the response stands
    (Apollo's coprocessor ``break`` at the subgraph stage replaces that subgraph's answer)."""

    def __init__(
        self,
        message: str,
        code: str = "FORBIDDEN",
        *,
        status: int = 403,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extensions = dict(extensions or {})

    def to_error(self) -> dict[str, Any]:
        return graphql_error(self.message, self.code, **self.extensions)


@dataclass(slots=True)
class RequestContext:
    """One request's state shared by every hook of every plugin."""

    principal: Principal = ANONYMOUS
    """The verified caller (anonymous when no valid token was sent); read-only."""
    client_ip: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """Anything a hook wants later hooks to see (Apollo Router's request ``context``). The
    router itself puts ``apollo::authorization::required_policies`` here."""
    response_headers: dict[str, str] = field(default_factory=dict)
    """Headers added to the client's HTTP response (any hook may set them)."""


@dataclass(slots=True)
class HttpRequest:
    """``on_request``: the admitted HTTP request, before the GraphQL document is parsed."""

    method: str
    path: str
    headers: dict[str, str]
    """Inbound headers, lower-cased names; changes are what the router propagates to subgraphs."""
    operation_name: str | None
    extensions: Mapping[str, Any] | None


@dataclass(slots=True)
class Operation:
    """``on_operation``: the parsed, validated operation and its coerced variables."""

    name: str | None
    kind: str
    """``query``, ``mutation`` or ``subscription``."""
    document: DocumentNode
    variables: Mapping[str, Any]
    required_policies: dict[str, bool | None]
    """The ``@policy`` names the operation depends on, each ``None`` (undecided); set each to
    ``True`` or ``False``. Undecided at the end means denied (Apollo's semantics)."""


@dataclass(slots=True)
class PlanBuilt:
    """``on_plan``: the query plan (:class:`router.planning.plan.QueryPlan`; read-only)."""

    plan: Any
    operation_name: str | None


@dataclass(slots=True)
class SubgraphRequest:
    """``on_subgraph_request``: one fetch, before it is sent."""

    subgraph: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    """The GraphQL-over-HTTP body: ``query``, ``operationName``, ``variables``."""


@dataclass(slots=True)
class SubgraphResponse:
    """``on_subgraph_response``: one fetch's answer."""

    subgraph: str
    data: Any
    errors: list[dict[str, Any]]
    failure: dict[str, Any] | None
    """The router's own error when the fetch failed (HTTP error, timeout, open breaker)."""


@dataclass(slots=True)
class ClientResponse:
    """``on_response``: the response about to be rendered (``response.errors`` and
    ``response.extensions`` may be changed; ``response.data`` too, at the plugin's risk)."""

    response: GraphQLResponse


@runtime_checkable
class OnRequest(Protocol):
    async def on_request(self, context: RequestContext, request: HttpRequest) -> None: ...


@runtime_checkable
class OnOperation(Protocol):
    async def on_operation(self, context: RequestContext, operation: Operation) -> None: ...


@runtime_checkable
class OnPlan(Protocol):
    async def on_plan(self, context: RequestContext, plan: PlanBuilt) -> None: ...


@runtime_checkable
class OnSubgraphRequest(Protocol):
    async def on_subgraph_request(
        self, context: RequestContext, request: SubgraphRequest
    ) -> None: ...


@runtime_checkable
class OnSubgraphResponse(Protocol):
    async def on_subgraph_response(
        self, context: RequestContext, response: SubgraphResponse
    ) -> None: ...


@runtime_checkable
class OnResponse(Protocol):
    async def on_response(self, context: RequestContext, response: ClientResponse) -> None: ...
