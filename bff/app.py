"""The ASGI app both BFFs are: FastAPI + Strawberry's router, health routes, persisted operations.

Each BFF passes its own schema and persisted-operation policy; everything else (lifespan,
``/health``, ``/ready`` with the router required and Redis optional, ``/debug/stats`` in
development mode, bearer tokens verified before anything else (:mod:`bff.authentication`), the
context with per-request loaders, CORS outermost (:meth:`BFFSettings.cors_settings`)) is the same
and lives here once.
Strawberry's GraphiQL loads from a CDN, so it is off (``graphql_ide=None``); development mode serves
the shared local GraphiQL page instead (:mod:`bff.graphiql`, :mod:`servicekit.graphiql`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware
from strawberry.fastapi import GraphQLRouter

from bff import telemetry
from bff.authentication import BearerAuthenticationMiddleware, scope_principal
from bff.context import BffContext, build_context
from bff.graphiql import GraphiQLMiddleware
from bff.limits import OperationLimits
from bff.persisted_http import PersistedOperationsMiddleware, PersistedPolicy
from bff.runtime import BffRuntime
from bff.settings import BFFSettings
from servicekit.health import ReadinessCheck, health_routes
from servicekit.telemetry import FASTAPI_TELEMETRY

__all__ = ["create_bff_app"]

PolicyFactory = Callable[[BffRuntime], PersistedPolicy]


class _GraphQLRouter(GraphQLRouter[Any, Any]):
    """Strawberry's FastAPI router with responses encoded by orjson: a warm 50-tile feed went from
    5.2 to 4.85 ms of CPU per request (``time.process_time`` over 100 requests, two runs each)."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_bff_app(
    name: str,
    schema: strawberry.Schema,
    settings: BFFSettings,
    specs: Any,
    policy_factory: PolicyFactory,
) -> Any:
    """The BFF app wrapped in its persisted-operations middleware; ``app.state.runtime`` is set.

    ``specs`` are the BFF's entity selections, reached by resolvers as ``info.context.specs``.
    """
    telemetry.identify(f"bff_{name}")  # apollographql-client-name sent to the router
    runtime = BffRuntime(name, settings)
    runtime.specs = specs

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    async def get_context(request: Request) -> BffContext:
        return build_context(runtime, dict(request.headers), scope_principal(request.scope))

    app = FastAPI(
        title=name,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=FASTAPI_TELEMETRY,  # issue #13: servicekit.telemetry traces the request
    )
    app.state.runtime = runtime
    graphql = _GraphQLRouter(schema, context_getter=get_context, graphql_ide=None)
    app.include_router(graphql, prefix="/graphql")
    checks = {
        "router": ReadinessCheck(runtime.router_probe),
        "redis": ReadinessCheck(runtime.cache.probe, required=False),
    }
    app.router.routes.extend(health_routes(checks))
    if settings.is_development:

        @app.get("/debug/stats")
        async def stats() -> JSONResponse:
            return JSONResponse(runtime.stats())

    wrapped: Any = PersistedOperationsMiddleware(
        app,
        policy_factory(runtime),
        limits=OperationLimits(settings.limits),
        max_body_bytes=settings.max_body_bytes,
    )
    wrapped = BearerAuthenticationMiddleware(wrapped, runtime.verifier)
    if settings.is_development:
        wrapped = GraphiQLMiddleware(wrapped, title=name)
    wrapped = CORSMiddleware(wrapped, **settings.cors_settings().middleware_options())
    wrapped.state = app.state
    wrapped.router = app.router
    return wrapped
