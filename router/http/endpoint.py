"""The ``/graphql`` endpoint: GraphQL-over-HTTP in, :class:`GraphQLRequest` to the core, out again.

Implements GraphQL-over-HTTP, sections "Request" (GET and POST only; other methods 405 with
``Allow``), "Accept" (406), "GET" (queries only: the core answers a mutation over GET with
``status_hint=405``, sent with ``Allow: POST``), "POST" (415, 400, 413) and "Response" (see
:mod:`router.http.render`); Apollo's APQ (:mod:`router.http.apq`); a browser GET is answered with
GraphiQL when it is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from router.http.admission import admit, needs_operation_name
from router.http.apq import ApqStore, resolve_query
from router.http.errors import HttpError
from router.http.executor import Executor
from router.http.graphiql import graphiql_page
from router.http.negotiation import choose_media_type, prefers_html
from router.http.params import (
    RequestParams,
    params_from_body,
    params_from_query_string,
    read_limited,
)
from router.http.render import error_response, graphql_response
from router.request import GraphQLRequest
from router.security.gate import Admission, RequestGate
from servicekit.auth.principal import ANONYMOUS

__all__ = ["EndpointOptions", "GraphQLEndpoint", "wants_query_plan"]

PLAN_HEADERS = ("apollo-expose-query-plan", "apollo-query-plan-experimental")
_TRUTHY = ("true", "1", "dry-run")


@dataclass(frozen=True, slots=True)
class EndpointOptions:
    """What the endpoint exposes; derived from ``RouterConfig`` by :func:`router.http.app`."""

    max_body_bytes: int
    graphiql: bool
    expose_query_plan: bool
    path: str = "/graphql"


def wants_query_plan(request: Request) -> bool:
    """Apollo Router's header (``Apollo-Expose-Query-Plan: true``), or its older experimental one."""
    return any(request.headers.get(name, "").lower() in _TRUTHY for name in PLAN_HEADERS)


def _inbound_headers(request: Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():  # names are lower-cased by Starlette
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class GraphQLEndpoint:
    """The endpoint bound to an executor and an (optional) APQ store; route ``handle``."""

    def __init__(
        self,
        executor: Executor,
        apq: ApqStore | None,
        options: EndpointOptions,
        gate: RequestGate | None = None,
    ) -> None:
        self.executor = executor
        self.apq = apq
        self.options = options
        self.gate = gate

    async def handle(self, request: Request) -> Response:
        """The Starlette endpoint (request in, response out)."""
        accept = request.headers.get("accept")
        if request.method not in ("GET", "POST"):
            return error_response(
                HttpError(
                    405,
                    f"Method {request.method} is not allowed: use GET (queries) or POST",
                    "METHOD_NOT_ALLOWED",
                    headers={"allow": "GET, POST"},
                ),
                choose_media_type(accept),
            )
        if request.method == "GET" and self._is_browser_navigation(request, accept):
            return graphiql_page(self.options.path, show_query_plan=self.options.expose_query_plan)
        media_type = choose_media_type(accept)
        if media_type is None:
            return error_response(
                HttpError(
                    406,
                    "Not Acceptable: accept application/graphql-response+json or application/json",
                    "INVALID_ACCEPT_HEADER",
                ),
                None,
            )
        admission: Admission | None = None
        if self.gate is not None and not needs_operation_name(self.gate):
            admission = await admit(self.gate, request, None)  # before the body is parsed
            if admission.refusal is not None:
                return graphql_response(admission.refusal, media_type, admission.headers)
        try:
            params = await self._params(request)
        except HttpError as error:
            return error_response(error, media_type)
        if self.gate is not None and admission is None:
            admission = await admit(self.gate, request, params.operation_name)
            if admission.refusal is not None:
                return graphql_response(admission.refusal, media_type, admission.headers)
        try:
            query = await resolve_query(params.query, params.extensions, self.apq)
        except HttpError as error:
            return error_response(error, media_type)
        graphql_request = GraphQLRequest(
            query=query,
            operation_name=params.operation_name,
            variables=params.variables,
            extensions=params.extensions,
            headers=_inbound_headers(request),
            include_plan=self.options.expose_query_plan and wants_query_plan(request),
            allowed_operation_types=(
                frozenset({"query"})
                if request.method == "GET"
                else frozenset({"query", "mutation"})
            ),
            principal=admission.principal if admission is not None else ANONYMOUS,
        )
        response = await self.executor.execute(graphql_request)
        return graphql_response(response, media_type, admission.headers if admission else None)

    def _is_browser_navigation(self, request: Request, accept: str | None) -> bool:
        if not self.options.graphiql or not prefers_html(accept):
            return False
        return "query" not in request.query_params and "extensions" not in request.query_params

    async def _params(self, request: Request) -> RequestParams:
        if request.method == "GET":
            return params_from_query_string(request.query_params)
        body = await read_limited(
            request.stream(), request.headers.get("content-length"), self.options.max_body_bytes
        )
        return params_from_body(request.headers.get("content-type"), body)
