"""The request side shared by the streaming HTTP transports (SSE, multipart subscriptions):
the same steps as :mod:`router.http.endpoint` (admission before the body, the body's limits,
APQ), ending in a :class:`GraphQLRequest` that allows subscriptions, or the response to send
instead. The body is read with ``Request.body()`` so a request handed back to the plain endpoint
(a query under a multipart ``Accept``) reads it again from Starlette's cache."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from router.http.admission import admit, needs_operation_name
from router.http.endpoint import GraphQLEndpoint, wants_query_plan
from router.http.errors import HttpError
from router.http.negotiation import GRAPHQL_RESPONSE_JSON
from router.http.params import RequestParams, params_from_body, params_from_query_string
from router.http.render import error_response, graphql_response
from router.request import GraphQLRequest
from router.security.gate import Admission
from servicekit.auth.principal import ANONYMOUS

__all__ = ["StreamingRequest", "read_params", "streaming_request"]


@dataclass(frozen=True, slots=True)
class StreamingRequest:
    request: GraphQLRequest
    headers: dict[str, str]
    """Response headers from admission (rate limit)."""


async def read_params(request: Request, max_body_bytes: int) -> RequestParams:
    """GET query string or POST body (bounded by ``http.max_body_bytes``: 413)."""
    if request.method == "GET":
        return params_from_query_string(request.query_params)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
        raise HttpError(413, "Request body too large", "PAYLOAD_TOO_LARGE")
    body = await request.body()
    if len(body) > max_body_bytes:
        raise HttpError(413, "Request body too large", "PAYLOAD_TOO_LARGE")
    return params_from_body(request.headers.get("content-type"), body)


def _headers(request: Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def streaming_request(
    endpoint: GraphQLEndpoint, request: Request, params: RequestParams
) -> StreamingRequest | Response:
    """Admit ``request`` and resolve its document; a refusal is a GraphQL-over-HTTP response."""
    media_type = GRAPHQL_RESPONSE_JSON
    headers = _headers(request)
    client_ip = endpoint.client_ip.resolve(request, headers)
    admission: Admission | None = None
    gate = endpoint.gate
    if gate is not None:
        name = params.operation_name if needs_operation_name(gate) else None
        admission = await admit(gate, request.method, headers, client_ip, name)
        if admission.refusal is not None:
            return graphql_response(admission.refusal, media_type, admission.headers)
    try:
        query = await endpoint.resolve_document(params, headers)  # trusted documents, APQ
    except HttpError as error:
        return error_response(error, media_type)
    allowed = (
        {"query", "subscription"}
        if request.method == "GET"
        else {"query", "mutation", "subscription"}
    )
    graphql_request = GraphQLRequest(
        query=query,
        operation_name=params.operation_name,
        variables=params.variables,
        extensions=params.extensions,
        headers=headers,
        include_plan=endpoint.options.expose_query_plan and wants_query_plan(request),
        allowed_operation_types=frozenset(allowed),
        principal=admission.principal if admission is not None else ANONYMOUS,
        client_ip=client_ip,
    )
    return StreamingRequest(graphql_request, admission.headers if admission else {})
