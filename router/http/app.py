"""Assemble the router's ASGI app: ``/graphql``, GraphiQL assets, ``/health`` and ``/ready``.

The app is a thin Starlette layer over an :class:`~router.http.executor.Executor`; everything it
owns (Redis client, supergraph watcher, the gateway) is handed in and closed by ``on_shutdown``
callbacks from the lifespan. :class:`~router.http.errors.CatchAllMiddleware` wraps it all, so no
request ever sees a traceback; CORS (``cors:``, :mod:`servicekit.cors`) wraps that.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from router.config import RouterConfig
from router.headers import cors_with_header_rules
from router.http.apq import ApqStore
from router.http.endpoint import EndpointOptions, GraphQLEndpoint
from router.http.errors import CatchAllMiddleware
from router.http.executor import Executor
from router.http.graphiql import asset_route
from router.http.redaction import client_errors_for
from router.http.streaming import StreamingDispatch
from router.plugins.chain import PluginChain
from router.security.gate import RequestGate
from router.subscriptions.service import SubscriptionService
from router.trusted import TrustedDocuments
from servicekit.cors import cors_middleware
from servicekit.health import ReadinessCheck, health_routes

__all__ = ["create_app", "endpoint_options"]

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
ShutdownHook = Callable[[], Awaitable[None]]
StartupHook = Callable[[], Awaitable[None]]


def endpoint_options(config: RouterConfig) -> EndpointOptions:
    """Development mode exposes GraphiQL (unless ``http.graphiql`` says otherwise) and plans;
    production hides "Did you mean ...?" schema hints."""
    development = config.mode == "development"
    graphiql = config.http.graphiql if config.http.graphiql is not None else development
    client_errors = client_errors_for(config)  # the same rule the subscription service gets
    return EndpointOptions(
        max_body_bytes=config.http.max_body_bytes,
        graphiql=graphiql,
        expose_query_plan=development and config.expose_query_plan,
        mask_suggestions=client_errors.mask,
        timeout_seconds=config.traffic_shaping.router.timeout_seconds,
        client_address=config.client_address,
        # issue #18: manifests are read here, once (a bad one stops the start: router exits 2)
        trusted=(
            TrustedDocuments.load(config.persisted_queries)
            if config.persisted_queries.enabled
            else None
        ),
        headers=config.headers,
        redaction=client_errors.redaction,
        plugins=PluginChain.from_settings(config.plugins),
        batching=config.batching,  # issue #18
        file_uploads=config.file_uploads,
    )


def create_app(
    executor: Executor,
    config: RouterConfig,
    *,
    apq: ApqStore | None,
    readiness: Mapping[str, ReadinessCheck] | None = None,
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[ShutdownHook] = (),
    gate: RequestGate | None = None,
    subscriptions: SubscriptionService | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The router's HTTP app; ``apq=None`` answers APQ requests with PersistedQueryNotSupported;
    ``gate`` (CSRF, authentication, rate limit) admits each request before its body is parsed;
    ``subscriptions`` adds the streaming transports."""
    endpoint = GraphQLEndpoint(executor, apq, endpoint_options(config), gate)
    handle = endpoint.handle
    routes: list[BaseRoute] = []
    if subscriptions is not None:  # issue #16: WebSocket, SSE, multipart (router.http.streaming)
        streaming = StreamingDispatch(endpoint, subscriptions)
        handle = streaming.handle
        routes.append(streaming.websocket_route())
    routes += [
        Route(endpoint.options.path, handle, methods=_ALL_METHODS),
        *health_routes(readiness),
        *extra_routes,  # issue #17: the cache invalidation endpoint
    ]
    if endpoint.options.graphiql:
        routes.append(asset_route())

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for start in on_startup:
            await start()
        try:
            yield
        finally:
            for stop in reversed(on_shutdown):
                await stop()

    # CORS outermost: preflights are answered before anything else runs (so before CSRF
    # prevention), and even a 500 from the catch-all carries the headers a browser needs.
    cors = cors_with_header_rules(config.cors, config.headers)  # issue #18: one section
    middleware = [cors_middleware(cors), Middleware(CatchAllMiddleware)]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
