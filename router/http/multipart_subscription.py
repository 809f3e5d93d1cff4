"""Apollo's multipart HTTP subscription protocol
(https://www.apollographql.com/docs/graphos/routing/operations/subscriptions/multipart-protocol),
the one Apollo Client, Apollo Router and Hive Gateway speak: a POST (or GET) with
``Accept: multipart/mixed;subscriptionSpec="1.0"`` is answered
``multipart/mixed;boundary="graphql";subscriptionSpec="1.0"``; each part is JSON: an event is
``{"payload": <GraphQL response>}``, ``{}`` is a heartbeat (every
``subscriptions.heartbeat_seconds``, 5 s as Apollo Router), and a fatal error of the transport
(subgraph disconnect, supergraph reload) is ``{"payload": null, "errors": [...]}``, after which
the stream closes (``--graphql--``). A refusal before streaming is a JSON response with its 4xx
status. A query under this ``Accept`` is answered as usual (the plain endpoint).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from router.http.endpoint import GraphQLEndpoint
from router.http.errors import HttpError
from router.http.negotiation import GRAPHQL_RESPONSE_JSON
from router.http.render import error_response, graphql_response
from router.http.streaming_request import read_params, streaming_request
from router.subscriptions.service import (
    LiveSubscription,
    SubscriptionRefused,
    SubscriptionService,
    operation_kind,
)

__all__ = ["MULTIPART_SUBSCRIPTION", "serve_multipart_subscription", "wants_multipart_subscription"]

MULTIPART_SUBSCRIPTION = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
_PART = b"\r\n--graphql\r\ncontent-type: application/json\r\n\r\n"
_END = b"\r\n--graphql--\r\n"
HEARTBEAT = _PART + b"{}"


def wants_multipart_subscription(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower().replace(" ", "")
    return "multipart/mixed" in accept and "subscriptionspec" in accept


def _part(body: dict[str, Any]) -> bytes:
    return _PART + orjson.dumps(body)


async def _stream(live: LiveSubscription, heartbeat: float) -> AsyncIterator[bytes]:
    live.begin()
    try:
        yield HEARTBEAT  # the headers and a first part go out at once (the client knows it is on)
        while True:
            event = await live.next(heartbeat)
            if event is None:
                yield HEARTBEAT
                continue
            if event.response is not None:
                if event.terminal and not event.before_first:
                    yield _part({"payload": None, "errors": event.response.errors})
                else:
                    yield _part({"payload": event.response.to_dict()})
            if event.complete or event.terminal:
                yield _END
                return
    finally:
        await live.close()


async def serve_multipart_subscription(
    endpoint: GraphQLEndpoint,
    service: SubscriptionService,
    request: Request,
    fallback: Callable[[Request], Awaitable[Response]],
) -> Response:
    """Stream a subscription; anything else goes to ``fallback`` (the plain endpoint)."""
    try:
        params = await read_params(request, endpoint.options.max_body_bytes)
    except HttpError as error:
        return error_response(error, GRAPHQL_RESPONSE_JSON)
    if operation_kind(params.query or "", params.operation_name) != "subscription":
        return await fallback(request)
    admitted = await streaming_request(endpoint, request, params)
    if isinstance(admitted, Response):
        return admitted
    try:
        live = await service.start(
            admitted.request,
            plugins=endpoint.options.plugins,
            method=request.method,
            path=request.url.path,
        )
    except SubscriptionRefused as refused:
        return graphql_response(refused.response, GRAPHQL_RESPONSE_JSON, admitted.headers)
    stream_headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
    return StreamingResponse(
        _stream(live, service.settings.heartbeat_seconds),
        headers={**live.response_headers, **admitted.headers, **stream_headers},
        media_type=MULTIPART_SUBSCRIPTION,
        background=BackgroundTask(live.close),  # also when the stream never started
    )
