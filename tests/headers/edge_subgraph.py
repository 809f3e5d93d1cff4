"""A real HTTP process serving four small subgraphs for the router's edge tests (issue #18).

``python -m tests.headers.edge_subgraph --port N`` serves:

- ``POST /a`` and ``POST /b``: ``{ a }`` / ``{ b }`` answer with the request headers they
  received (a JSON string of ``[name, value]`` pairs, sorted; transport headers the HTTP client
  sets itself are left out), and set response headers: each a ``Set-Cookie``, an ``x-cache``,
  and ``x-a-only`` / ``x-internal-b``;
- ``POST /boom``: a GraphQL error whose message holds an internal URL and whose extensions hold
  a stack trace (what a debug-mode subgraph answers);
- ``POST /fail``: HTTP 500 with an HTML body;
- ``GET /manifest.json``: the manifest given with ``--manifest FILE`` (a manifest URL);
- ``GET /health``.

:func:`supergraph` is a hand-written Federation v2 supergraph over these paths, plus ``down``,
a subgraph at a URL where nothing listens.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from servicekit.serve import serve

TRANSPORT_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "accept-encoding",
        "connection",
        "user-agent",
        "traceparent",
        "tracestate",
    }
)

_TEMPLATE = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

enum join__Graph {
  A @join__graph(name: "a", url: "{base}/a")
  B @join__graph(name: "b", url: "{base}/b")
  BOOM @join__graph(name: "boom", url: "{base}/boom")
  DOWN @join__graph(name: "down", url: "{down}/graphql")
  FAIL @join__graph(name: "fail", url: "{base}/fail")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: BOOM)
  @join__type(graph: DOWN)
  @join__type(graph: FAIL)
{
  a: String @join__field(graph: A)
  b: String @join__field(graph: B)
  boom: String @join__field(graph: BOOM)
  down: String @join__field(graph: DOWN)
  fail: String @join__field(graph: FAIL)
}
"""

BOOM_MESSAGE = "query failed on postgresql://orders:secret@10.0.3.7:5432/orders: timeout"


def supergraph(base_url: str, down_url: str) -> str:
    return _TEMPLATE.replace("{base}", base_url).replace("{down}", down_url)


def _received(request: Request) -> str:
    pairs = sorted(
        (name, value) for name, value in request.headers.items() if name not in TRANSPORT_HEADERS
    )
    return json.dumps(pairs)


def create_app(manifest: Path | None) -> Starlette:
    manifest_bytes = manifest.read_bytes() if manifest is not None else None

    async def a(request: Request) -> Response:
        response = JSONResponse({"data": {"a": _received(request)}})
        response.headers.append("set-cookie", "a_session=1; Path=/; HttpOnly")
        response.headers.append("x-cache", "HIT from a")
        response.headers.append("x-a-only", "from-a")
        return response

    async def b(request: Request) -> Response:
        response = JSONResponse({"data": {"b": _received(request)}})
        response.headers.append("set-cookie", "b_pref=dark; Path=/")
        response.headers.append("set-cookie", "b_seen=yes; Path=/")
        response.headers.append("x-cache", "MISS from b")
        response.headers.append("x-internal-b", "node-7")
        return response

    async def boom(_: Request) -> Response:
        error = {
            "message": BOOM_MESSAGE,
            "path": ["boom"],
            "extensions": {
                "code": "INTERNAL_SERVER_ERROR",
                "exception": {"stacktrace": ["Traceback (most recent call last):", "TimeoutError"]},
            },
        }
        return JSONResponse({"data": {"boom": None}, "errors": [error]})

    async def fail(_: Request) -> Response:
        return PlainTextResponse("<html>Internal Server Error</html>", status_code=500)

    async def manifest_file(_: Request) -> Response:
        if manifest_bytes is None:
            return PlainTextResponse("no manifest", status_code=404)
        return Response(manifest_bytes, media_type="application/json")

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/a", a, methods=["POST"]),
            Route("/b", b, methods=["POST"]),
            Route("/boom", boom, methods=["POST"]),
            Route("/fail", fail, methods=["POST"]),
            Route("/manifest.json", manifest_file),
            Route("/health", health),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--manifest", type=Path)
    args = parser.parse_args()
    serve(create_app(args.manifest), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
