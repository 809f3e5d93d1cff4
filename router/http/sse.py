"""GraphQL over Server-Sent Events, the "distinct connections" mode of the graphql-sse protocol
(https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md), as Hive Gateway and GraphQL
Yoga serve it: a GET or POST with ``Accept: text/event-stream`` streams one ``event: next`` per
result and ends with ``event: complete``; a query or mutation is one ``next``. A request refused
before streaming (validation, authentication, a cap) is a GraphQL-over-HTTP JSON response with
its 4xx status. After the stream started, an error is a ``next`` carrying ``errors`` (a
subgraph refusal or disconnect, a supergraph reload), then ``complete``. Idle streams get a
``:`` comment every ``subscriptions.heartbeat_seconds``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from router.http.endpoint import GraphQLEndpoint
from router.http.errors import HttpError
from router.http.negotiation import GRAPHQL_RESPONSE_JSON
from router.http.render import error_response, graphql_response
from router.http.streaming_request import StreamingRequest, read_params, streaming_request
from router.request import GraphQLResponse
from router.subscriptions.service import (
    LiveSubscription,
    SubscriptionRefused,
    SubscriptionService,
    operation_kind,
)

__all__ = ["EVENT_STREAM", "serve_sse", "wants_sse"]

EVENT_STREAM = "text/event-stream"
_STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def wants_sse(request: Request) -> bool:
    return EVENT_STREAM in request.headers.get("accept", "").lower()


def _next(response: GraphQLResponse) -> bytes:
    return b"event: next\ndata: " + orjson.dumps(response.to_dict()) + b"\n\n"


COMPLETE = b"event: complete\ndata: \n\n"


async def _stream(live: LiveSubscription, heartbeat: float) -> AsyncIterator[bytes]:
    live.begin()
    try:
        while True:
            event = await live.next(heartbeat)
            if event is None:
                yield b":\n\n"
                continue
            if event.response is not None:
                yield _next(event.response)
            if event.complete or event.terminal:
                yield COMPLETE
                return
    finally:
        await live.close()


async def _single(
    endpoint: GraphQLEndpoint, admitted: StreamingRequest, method: str, path: str
) -> AsyncIterator[bytes]:
    """A query or mutation: one ``next`` (through the plugins, redaction, masking)."""
    response = await endpoint.run_request(admitted.request, method=method, path=path)
    yield _next(response)
    yield COMPLETE


async def serve_sse(
    endpoint: GraphQLEndpoint, service: SubscriptionService, request: Request
) -> Response:
    try:
        params = await read_params(request, endpoint.options.max_body_bytes)
    except HttpError as error:
        return error_response(error, GRAPHQL_RESPONSE_JSON)
    admitted = await streaming_request(endpoint, request, params)
    if isinstance(admitted, Response):
        return admitted
    headers = {**admitted.headers, **_STREAM_HEADERS}
    kind = operation_kind(admitted.request.query, admitted.request.operation_name)
    if kind != "subscription":
        return StreamingResponse(
            _single(endpoint, admitted, request.method, request.url.path),
            media_type=EVENT_STREAM,
            headers=headers,
        )
    try:
        live = await service.start(
            admitted.request,
            plugins=endpoint.options.plugins,
            method=request.method,
            path=request.url.path,
        )
    except SubscriptionRefused as refused:
        return graphql_response(refused.response, GRAPHQL_RESPONSE_JSON, admitted.headers)
    heartbeat = service.settings.heartbeat_seconds
    return StreamingResponse(
        _stream(live, heartbeat),
        media_type=EVENT_STREAM,
        headers={**live.response_headers, **headers},
        background=BackgroundTask(live.close),  # also when the stream never started
    )
