"""Choose the subscription transport from the request, as the peers do (Hive Gateway, Apollo
Router): a WebSocket upgrade at the GraphQL path speaks graphql-transport-ws
(:mod:`router.http.websocket`); ``Accept: text/event-stream`` is GraphQL over SSE
(:mod:`router.http.sse`); ``Accept: multipart/mixed;subscriptionSpec=...`` is Apollo's multipart
protocol (:mod:`router.http.multipart_subscription`). Everything else is the plain endpoint."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute

from router.http.endpoint import GraphQLEndpoint
from router.http.multipart_subscription import (
    serve_multipart_subscription,
    wants_multipart_subscription,
)
from router.http.sse import serve_sse, wants_sse
from router.http.websocket import GraphQLWebSocket
from router.subscriptions.service import SubscriptionService

__all__ = ["StreamingDispatch"]


class StreamingDispatch:
    def __init__(self, endpoint: GraphQLEndpoint, service: SubscriptionService) -> None:
        self.endpoint = endpoint
        self.service = service

    async def handle(self, request: Request) -> Response:
        if request.method in ("GET", "POST"):
            if wants_sse(request):
                return await serve_sse(self.endpoint, self.service, request)
            if wants_multipart_subscription(request):
                return await serve_multipart_subscription(
                    self.endpoint, self.service, request, self.endpoint.handle
                )
        return await self.endpoint.handle(request)

    def websocket_route(self) -> WebSocketRoute:
        socket = GraphQLWebSocket(self.endpoint, self.service)
        return WebSocketRoute(self.endpoint.options.path, socket.handle)
