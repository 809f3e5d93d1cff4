"""The registry's HTTP API (JSON; bearer tokens, :mod:`router.registry.service.auth`).

| method and path | scope | what |
|---|---|---|
| ``POST /v1/subgraphs/{name}`` ``{"sdl", "url"}`` | publish | publish: 200 accepted, 422 rejected (report) |
| ``POST /v1/subgraphs/{name}/check`` ``{"sdl"}`` | publish | the same check, nothing stored |
| ``DELETE /v1/subgraphs/{name}/instances`` ``{"url"}`` | publish | a replica leaves |
| ``PUT /v1/operations/{manifest}`` (Apollo persisted query manifest) | publish | operations a change must not break |
| ``GET /v1/supergraph`` | read | ``{"version", "id", "supergraphSdl", "routingUrls"}`` |
| ``GET /v1/supergraph.graphql`` | read | the SDL alone (for any router that polls a URL) |
| ``GET /v1/history`` | read | publishes, newest first, with their reports |

Both supergraph reads carry an ``ETag``; with ``If-None-Match`` they answer 304 when nothing
changed, and with ``Prefer: wait=N`` (RFC 7240; at most 60 s) they hold the request until it
changes or N seconds pass: the long-poll routers use. 404 while nothing is published.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from router.registry.operations import PersistedOperation
from router.registry.service.auth import Scope, Tokens
from router.registry.service.publishing import Registry, etag_of
from router.registry.service.store import Current, RegistryStore
from servicekit.db import Database
from servicekit.health import ReadinessCheck, health_routes

__all__ = ["MAX_WAIT_SECONDS", "create_registry_app"]

MAX_WAIT_SECONDS = 60.0
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_WAIT = re.compile(r"(?:^|[,;\s])wait=(\d+(?:\.\d+)?)")

Handler = Callable[[Request], Awaitable[Response]]


class _BadRequest(Exception):
    pass


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _guarded(tokens: Tokens, scope: Scope, handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        if not tokens.allows(request, scope):
            challenge = {"www-authenticate": 'Bearer realm="registry"'}
            return _error(401, f"a bearer token with the {scope} scope is required", challenge)
        try:
            return await handler(request)
        except _BadRequest as error:
            return _error(400, str(error))

    return endpoint


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        raise _BadRequest(f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return body


def _string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _BadRequest(f'"{key}" must be a non-empty string')
    return value


def _url(body: Mapping[str, Any]) -> str:
    url = _string(body, "url")
    if not url.startswith(("http://", "https://")):
        raise _BadRequest('"url" must be an http(s) URL')
    return url


def _name(request: Request) -> str:
    name = str(request.path_params["name"])
    if not _NAME.match(name):
        raise _BadRequest(f"{name!r} is not a subgraph name")
    return name


def _wait_seconds(request: Request) -> float:
    match = _WAIT.search(request.headers.get("prefer", ""))
    return min(float(match.group(1)), MAX_WAIT_SECONDS) if match else 0.0


def _manifest(body: Mapping[str, Any], manifest: str) -> list[PersistedOperation]:
    if body.get("format") != "apollo-persisted-query-manifest":
        raise _BadRequest('"format" must be "apollo-persisted-query-manifest"')
    entries = body.get("operations")
    if not isinstance(entries, list):
        raise _BadRequest('"operations" must be a list')
    operations = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) for key in ("id", "name", "type", "body")
        ):
            raise _BadRequest("each operation needs string id, name, type and body")
        operations.append(
            PersistedOperation(entry["id"], entry["name"], entry["type"], entry["body"], manifest)
        )
    return operations


def create_registry_app(
    database: Database, tokens: Tokens, *, operations: Sequence[PersistedOperation] = ()
) -> Starlette:
    """The app; ``operations`` (e.g. ``schema/persisted/*.json``) replace their manifests at
    start-up."""
    registry = Registry(RegistryStore(database))

    async def publish(request: Request) -> Response:
        name, body = _name(request), await _json_object(request)
        try:
            outcome = await registry.publish(name, _string(body, "sdl"), _url(body))
        except IntegrityError:  # another registry replica took the same version number
            return _error(409, "a concurrent publish won; publish again")
        return JSONResponse(outcome.as_dict(), status_code=200 if outcome.accepted else 422)

    async def check(request: Request) -> Response:
        name, body = _name(request), await _json_object(request)
        url = body.get("url") if isinstance(body.get("url"), str) else f"http://{name}.invalid"
        report = await registry.check(name, _string(body, "sdl"), str(url))
        return JSONResponse(report.as_dict(), status_code=200 if report.passed else 422)

    async def unregister(request: Request) -> Response:
        name, body = _name(request), await _json_object(request)
        removed = await registry.unregister(name, _url(body))
        return JSONResponse({"removed": removed})

    async def put_operations(request: Request) -> Response:
        manifest = _name(request)
        found = _manifest(await _json_object(request), manifest)
        await registry.store.replace_manifest(manifest, found)
        return JSONResponse({"manifest": manifest, "operations": len(found)})

    def _read(render: Callable[[Current], Response]) -> Handler:
        async def read(request: Request) -> Response:
            known = request.headers.get("if-none-match")
            wait = _wait_seconds(request) if known else 0.0
            current = await registry.wait_for_change(known, wait)
            etag = etag_of(current)
            if current is None:
                return _error(404, "no supergraph has been published yet", {"etag": etag})
            headers = {"etag": etag, "cache-control": "no-cache"}
            if known == etag:
                return Response(status_code=304, headers=headers)
            response = render(current)
            response.headers.update(headers)
            return response

        return read

    def document(current: Current) -> Response:
        return JSONResponse(
            {
                "version": current.version,
                "id": current.sha256,
                "supergraphSdl": current.supergraph_sdl,
                "routingUrls": current.routing_urls,
            }
        )

    def sdl(current: Current) -> Response:
        return Response(current.supergraph_sdl, media_type="text/plain; charset=utf-8")

    async def history(_: Request) -> Response:
        return JSONResponse({"publishes": await registry.store.history()})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.create_schema()
        manifests: dict[str, list[PersistedOperation]] = {}
        for operation in operations:
            manifests.setdefault(operation.manifest.removesuffix(".json"), []).append(operation)
        for manifest, found in manifests.items():
            await registry.store.replace_manifest(manifest, found)
        try:
            yield
        finally:
            await database.dispose()

    readiness = {"database": ReadinessCheck(database.ping)}
    routes = [
        *health_routes(readiness),
        Route("/v1/subgraphs/{name}", _guarded(tokens, "publish", publish), methods=["POST"]),
        Route("/v1/subgraphs/{name}/check", _guarded(tokens, "publish", check), methods=["POST"]),
        Route(
            "/v1/subgraphs/{name}/instances",
            _guarded(tokens, "publish", unregister),
            methods=["DELETE"],
        ),
        Route(
            "/v1/operations/{name}", _guarded(tokens, "publish", put_operations), methods=["PUT"]
        ),
        Route("/v1/supergraph", _guarded(tokens, "read", _read(document)), methods=["GET"]),
        Route("/v1/supergraph.graphql", _guarded(tokens, "read", _read(sdl)), methods=["GET"]),
        Route("/v1/history", _guarded(tokens, "read", history), methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
