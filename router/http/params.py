"""Read the GraphQL-over-HTTP request parameters from a GET query string or a POST JSON body.

Implements GraphQL-over-HTTP, sections "Request Parameters", "GET" and "POST":

- GET: ``query``, ``operationName``, and ``variables`` / ``extensions`` as JSON-encoded strings
  in the query string.
- POST: ``Content-Type: application/json`` (anything else is 415 Unsupported Media Type), the body
  a JSON object (malformed JSON or a non-object is 400 Bad Request), at most ``max_body_bytes``
  (413 Content Too Large).
- ``query`` must be a string; it may be absent only when ``extensions.persistedQuery`` names a
  persisted query (Apollo APQ) or ``documentId`` a trusted document (issue #18).
  ``operationName`` a string or null; ``variables`` and ``extensions`` objects or null. Anything else is 400 with a GraphQL error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from router.http.errors import HttpError

__all__ = [
    "INVALID_REQUEST",
    "RequestParams",
    "check_json_content_type",
    "params_from_body",
    "params_from_object",
    "params_from_query_string",
    "read_limited",
]

INVALID_REQUEST = "INVALID_GRAPHQL_REQUEST"


@dataclass(frozen=True, slots=True)
class RequestParams:
    """The parameters of one request before persisted queries are resolved."""

    query: str | None
    operation_name: str | None
    variables: Mapping[str, Any] | None
    extensions: Mapping[str, Any] | None
    document_id: str | None = None
    """GraphQL over HTTP's persisted documents (``documentId``), resolved from the trusted
    manifests (:mod:`router.http.trusted`, issue #18)."""


def _bad_request(message: str) -> HttpError:
    return HttpError(400, message, INVALID_REQUEST)


def _optional_object(value: Any, name: str) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise _bad_request(f"Invalid GraphQL request: '{name}' must be an object")


def _params_from_mapping(document: Mapping[str, Any]) -> RequestParams:
    query = document.get("query")
    if query is not None and not isinstance(query, str):
        raise _bad_request("Invalid GraphQL request: 'query' must be a string")
    operation_name = document.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad_request("Invalid GraphQL request: 'operationName' must be a string")
    extensions = _optional_object(document.get("extensions"), "extensions")
    document_id = document.get("documentId")
    if document_id is not None and (not isinstance(document_id, str) or not document_id):
        raise _bad_request("Invalid GraphQL request: 'documentId' must be a non-empty string")
    params = RequestParams(
        query=query,
        operation_name=operation_name,
        variables=_optional_object(document.get("variables"), "variables"),
        extensions=extensions,
        document_id=document_id,
    )
    if (
        query is None
        and document_id is None
        and not (extensions and "persistedQuery" in extensions)
    ):
        raise _bad_request("Invalid GraphQL request: 'query' is missing")
    return params


def params_from_object(document: Any) -> RequestParams:
    """One request object (a POST body, or one entry of a batch: :mod:`router.http.batching`)."""
    if not isinstance(document, dict):
        raise _bad_request("Invalid GraphQL request: the body must be a JSON object")
    return _params_from_mapping(document)


def _json_parameter(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad_request(f"Invalid GraphQL request: '{name}' is not valid JSON") from None


def params_from_query_string(query_params: Mapping[str, str]) -> RequestParams:
    """GraphQL-over-HTTP "GET": parameters in the URL query string."""
    return _params_from_mapping(
        {
            "query": query_params.get("query") or None,
            "operationName": query_params.get("operationName") or None,
            "variables": _json_parameter(query_params.get("variables"), "variables"),
            "extensions": _json_parameter(query_params.get("extensions"), "extensions"),
            "documentId": query_params.get("documentId") or None,
        }
    )


def _check_content_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        shown = content_type or "none"
        raise HttpError(
            415,
            f"Unsupported Content-Type '{shown}': send the request as application/json",
            "INVALID_CONTENT_TYPE_HEADER",
            headers={"accept-post": "application/json"},
        )


async def read_limited(
    chunks: AsyncIterator[bytes], content_length: str | None, limit: int
) -> bytes:
    """The whole body, or 413 as soon as it (or its declared length) passes ``limit`` bytes."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in chunks:
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> HttpError:
    return HttpError(
        413, f"Request body larger than the limit of {limit} bytes", "PAYLOAD_TOO_LARGE"
    )


def check_json_content_type(content_type: str | None) -> None:
    """415 unless ``application/json`` (GraphQL-over-HTTP "POST")."""
    _check_content_type(content_type)


def params_from_body(content_type: str | None, body: bytes) -> RequestParams:
    """GraphQL-over-HTTP "POST": a JSON object in an ``application/json`` body."""
    _check_content_type(content_type)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _bad_request("Invalid GraphQL request: the body is not valid JSON") from None
    return params_from_object(document)
