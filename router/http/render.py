"""Turn a GraphQL response into an HTTP response: status code, media type, body.

Implements GraphQL-over-HTTP, section "Response":

- "application/json": 200 for every well-formed request, whatever errors the body holds;
- "application/graphql-response+json": a request error (no ``data`` entry: parse, validation,
  variable coercion failed, nothing executed) is 400; a response with ``data`` (even ``null``
  after error propagation, i.e. execution started) is 200;
- a status the core insists on (``status_hint``) wins; for 405 (section "GET": a mutation over
  GET) the response carries ``Allow: POST``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from router.http.errors import HttpError
from router.http.negotiation import GRAPHQL_RESPONSE_JSON, JSON
from router.request import GraphQLResponse

__all__ = ["content_type_header", "error_response", "graphql_response", "status_for"]


def content_type_header(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def json_response(
    body: Mapping[str, Any],
    status: int,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        headers=dict(headers or {}),
        media_type=content_type_header(media_type),
    )


def status_for(response: GraphQLResponse, media_type: str) -> int:
    """The status code for ``response`` under ``media_type`` (see the module docstring)."""
    if response.status_hint is not None:
        return response.status_hint
    if media_type == GRAPHQL_RESPONSE_JSON and not response.has_data:
        return 400
    return 200


def graphql_response(
    response: GraphQLResponse, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    extra = {**response.headers, **(headers or {})}  # the core's (issue #17: Cache-Control)
    status = status_for(response, media_type)
    if status == 405:
        extra.setdefault("allow", "POST")
    body = response.to_dict()
    shared = response.shared_data
    if shared is not None and response.has_data and shared.value is response.data:
        body["data"] = shared.fragment()  # encoded once for every request sharing it
    return json_response(body, status, media_type, extra)


def error_response(error: HttpError, media_type: str | None) -> Response:
    """An error found by the HTTP layer, in the negotiated type (``application/json`` for 406)."""
    return json_response(error.body(), error.status, media_type or JSON, error.headers)
