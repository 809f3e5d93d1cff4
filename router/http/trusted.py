"""Trusted documents at the HTTP edge (issue #18): resolve the document to run and enforce the
client's policy **before anything is parsed** (:mod:`router.trusted`).

Ids come as ``extensions.persistedQuery.sha256Hash`` (Apollo's clients) or ``documentId``
(GraphQL over HTTP's persisted documents, Hive's and Relay's). Refusals use Apollo Router's
codes and statuses (its PR 4887):

| case | status | code |
|---|---|---|
| id not in the client's manifests, policy ``safelist`` (or a ``documentId``, which only manifests resolve) | 404 | ``PERSISTED_QUERY_NOT_IN_LIST`` |
| text not in the client's manifests, policy ``safelist`` | 403 | ``PERSISTED_QUERY_NOT_IN_LIST`` (Apollo says ``QUERY_NOT_IN_SAFELIST``; the issue asks for one code) |
| text at all, ``safelist`` with ``require_id`` | 400 | ``PERSISTED_QUERY_ID_REQUIRED`` |

``log_unknown`` runs an unlisted operation and logs ``persisted query not in list`` (client,
operation name, SHA-256 and body), like Apollo's ``log_unknown``. An unknown sha256 id under
``allow``/``log_unknown`` falls back to APQ (:mod:`router.http.apq`). Under ``safelist`` APQ is
never consulted and an unlisted registration is refused before it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from router.http.apq import ApqStore, persisted_query_hash, resolve_query
from router.http.errors import HttpError
from router.http.params import INVALID_REQUEST, RequestParams
from router.trusted import ClientDocuments, TrustedDocuments
from router.trusted.manifest import sha256_hex
from servicekit.logging import get_logger

__all__ = ["resolve_trusted"]

_log = get_logger("router.http.trusted")
_LOGGED_BODY_CHARS = 4096


def _not_in_list_by_id(operation_id: str) -> HttpError:
    return HttpError(
        404,
        f"Persisted query '{operation_id}' not found in the persisted query list",
        "PERSISTED_QUERY_NOT_IN_LIST",
    )


def _check_text(client: ClientDocuments, text: str, operation_name: str | None) -> None:
    if client.policy == "allow":
        return
    if client.policy == "safelist" and client.require_id:
        raise HttpError(
            400,
            "This endpoint does not allow freeform GraphQL requests; operations must be sent "
            "by ID in the persisted queries GraphQL extension.",
            "PERSISTED_QUERY_ID_REQUIRED",
        )
    if client.lists(text):
        return
    if client.policy == "safelist":
        raise HttpError(
            403,
            "The operation body was not found in the persisted query list",
            "PERSISTED_QUERY_NOT_IN_LIST",
        )
    _log.warning(
        "persisted query not in list",
        client=client.name or "",
        operation_name=operation_name or "",
        operation_sha256=sha256_hex(text),
        operation_body=text[:_LOGGED_BODY_CHARS],
    )


async def resolve_trusted(
    documents: TrustedDocuments,
    params: RequestParams,
    headers: Mapping[str, str],
    apq: ApqStore | None,
) -> str:
    """The document text to run for this client, or an :class:`HttpError` refusal."""
    client = documents.for_client(headers.get(documents.header))
    sha = persisted_query_hash(params.extensions)
    operation_id = params.document_id or sha
    if params.query is None:
        if operation_id is None:
            raise HttpError(400, "Invalid GraphQL request: 'query' is missing", INVALID_REQUEST)
        found = client.lookup(operation_id)
        if found is not None:
            return found.body
        if client.policy == "safelist" or params.document_id is not None:
            raise _not_in_list_by_id(operation_id)
        text = await resolve_query(None, params.extensions, apq)  # APQ, may be NotFound
        _check_text(client, text, params.operation_name)
        return text
    _check_text(client, params.query, params.operation_name)  # before APQ stores anything
    return await resolve_query(params.query, params.extensions, apq)
