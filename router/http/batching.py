"""Client request batching (issue #18): Apollo Router's ``batching`` with ``batch_http_link``.

Apollo Client's ``BatchHttpLink`` (and Apollo Kotlin's ``httpBatching``) POST a JSON **array** of
GraphQL-over-HTTP request objects; the answer is a JSON array of responses, the *i*-th for the
*i*-th operation. As in Apollo Router ("client batching"), every operation is processed
separately: its own APQ resolution, validation, limits, authorization, plan and subgraph
fetches; they run concurrently and the array keeps the request's order whatever finishes first.

- Off by default (``batching.enabled``): a batch then gets 400 ``BATCHING_NOT_ENABLED``.
- More than ``batching.maximum_size`` operations: 422 ``BATCH_LIMIT_EXCEEDED``, nothing runs
  (Apollo Router's status and code); an empty array is 400 ``INVALID_GRAPHQL_REQUEST``.
- One operation failing (malformed entry, parse or validation error, APQ miss, a subgraph
  error) answers *its* slot with its errors; the others are unaffected. The batch is 200 when
  it was accepted (each slot is a whole GraphQL response, with or without ``data``).
- **Each operation counts against the rate limit** as if it came alone: the request's
  admission pays for the first one, and every further one is admitted by the same gate with
  its own operation name (its own ``per_operation`` budget, Apollo Router counts each too); a
  refused one answers its slot with ``REQUEST_RATE_LIMITED`` and runs nothing. The response
  carries the ``RateLimit-*`` headers of the last decision, and ``Retry-After`` when any slot
  was refused.
- Batches are POST only and complete answers only: no ``@defer`` parts (as Apollo Router), no
  subscriptions (refused by the core over POST anyway), no file uploads (Apollo Router refuses
  them too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response

from router.config import BatchingConfig
from router.http.errors import HttpError
from router.http.params import RequestParams, params_from_object
from router.http.render import content_type_header
from router.request import GraphQLResponse
from router.security.gate import Admission

__all__ = [
    "BATCHING_NOT_ENABLED",
    "BATCH_LIMIT_EXCEEDED",
    "Batch",
    "batch_response",
    "parse_batch",
    "run_batch",
]

BATCHING_NOT_ENABLED = "BATCHING_NOT_ENABLED"
BATCH_LIMIT_EXCEEDED = "BATCH_LIMIT_EXCEEDED"

RunOne = Callable[[RequestParams, Admission | None], Awaitable[GraphQLResponse]]
"""Run one operation of the batch (APQ, core, masking), as the endpoint runs a single request."""
Admit = Callable[[str | None], Awaitable[Admission]]
"""Admit one more operation (by operation name) through the request gate."""


@dataclass(frozen=True, slots=True)
class Batch:
    """The batch's entries: parsed parameters, or the error its slot answers with."""

    entries: list[RequestParams | HttpError]

    def __len__(self) -> int:
        return len(self.entries)


def is_batch(body: bytes) -> bool:
    """A JSON array (the first non-blank byte is ``[``)."""
    return body.lstrip()[:1] == b"["


def parse_batch(body: bytes, settings: BatchingConfig) -> Batch | None:
    """``None`` when ``body`` is not a JSON array (a single request); else the batch, or
    :class:`HttpError` when the batch as a whole is refused (disabled, empty, too large,
    malformed JSON)."""
    if not is_batch(body):
        return None
    if not settings.enabled:
        raise HttpError(400, "Batching is not enabled on this router", BATCHING_NOT_ENABLED)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise HttpError(
            400, "Invalid GraphQL request: the body is not valid JSON", "INVALID_GRAPHQL_REQUEST"
        ) from None
    if not isinstance(document, list) or not document:
        raise HttpError(
            400, "Invalid GraphQL request: a batch must hold operations", "INVALID_GRAPHQL_REQUEST"
        )
    if len(document) > settings.maximum_size:
        raise HttpError(
            422,
            f"Batch limits exceeded: you provided a batch with {len(document)} entries, but "
            f"the configured maximum router batch size is {settings.maximum_size}",
            BATCH_LIMIT_EXCEEDED,
        )
    entries: list[RequestParams | HttpError] = []
    for item in document:
        try:
            entries.append(params_from_object(item))
        except HttpError as error:
            entries.append(error)
    return Batch(entries)


def _name(entry: RequestParams | HttpError) -> str | None:
    return entry.operation_name if isinstance(entry, RequestParams) else None


async def run_batch(
    batch: Batch,
    run_one: RunOne,
    admit: Admit | None,
    first: Admission | None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every slot's response body (in order) and the response headers.

    ``first``: the request's own admission (it paid for entry 0), or None when the gate had to
    wait for the operation name, so every entry is admitted here. ``admit``: the gate, or None
    without one (nothing is counted)."""
    admissions: list[Admission | None] = []
    headers: dict[str, str] = dict(first.headers) if first is not None else {}
    refused = False
    for index, entry in enumerate(batch.entries):
        if admit is None or (index == 0 and first is not None):
            admissions.append(first)
            continue
        admission = await admit(_name(entry))  # in order: the budget is spent first-come
        admissions.append(admission)
        headers.update(admission.headers)
        refused = refused or admission.refusal is not None
    if not refused:
        headers.pop("Retry-After", None)

    async def slot(entry: RequestParams | HttpError, admission: Admission | None) -> Any:
        if isinstance(entry, HttpError):
            return entry.body()
        if admission is not None and admission.refusal is not None:
            return admission.refusal.to_dict()
        try:
            return (await run_one(entry, admission)).to_dict()
        except HttpError as error:  # APQ: unknown hash, mismatch, malformed persistedQuery
            return error.body()

    bodies = await asyncio.gather(
        *(
            slot(entry, admission)
            for entry, admission in zip(batch.entries, admissions, strict=True)
        )
    )
    return list(bodies), headers


def batch_response(
    bodies: list[dict[str, Any]], media_type: str, headers: Mapping[str, str]
) -> Response:
    """The JSON array of responses, 200."""
    return Response(
        orjson.dumps(bodies, option=orjson.OPT_NON_STR_KEYS),
        status_code=200,
        headers=dict(headers),
        media_type=content_type_header(media_type),
    )
