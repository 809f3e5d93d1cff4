"""A real HTTP subgraph that misbehaves on purpose, for the router's failure tests.

``python -m tests.http.flaky_subgraph --port N`` serves:

- ``POST /ok``: a well-formed answer; ``echo`` is the ``Authorization`` header received, if any;
- ``POST /garbage``: 200 with an HTML body that is not a GraphQL response;
- ``POST /slow``: answers only after ``--delay`` seconds (longer than the router's timeout);
- ``GET /supergraph.graphql``: :data:`SUPERGRAPH_TEMPLATE` pointing at this server (``--supergraph``
  given as a URL).

:data:`SUPERGRAPH_TEMPLATE` is a hand-written Federation v2 supergraph (link v1.0, join v0.3) whose three
subgraphs are these three paths.
"""

from __future__ import annotations

import argparse
import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from servicekit.serve import serve

SUPERGRAPH_TEMPLATE = """schema
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
  GARBAGE @join__graph(name: "garbage", url: "{base}/garbage")
  OK @join__graph(name: "ok", url: "{base}/ok")
  SLOW @join__graph(name: "slow", url: "{base}/slow")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

type Query
  @join__type(graph: GARBAGE)
  @join__type(graph: OK)
  @join__type(graph: SLOW)
{
  garbage: String @join__field(graph: GARBAGE)
  ok: String @join__field(graph: OK)
  echo(text: String!): String @join__field(graph: OK)
  slow: String @join__field(graph: SLOW)
}
"""


def supergraph(base_url: str) -> str:
    return SUPERGRAPH_TEMPLATE.replace("{base}", base_url)


def create_app(delay_seconds: float) -> Starlette:
    async def ok(request: Request) -> Response:
        # ``echo`` reports the Authorization header the router propagated (if any).
        echo = request.headers.get("authorization", "echoed")
        return JSONResponse({"data": {"ok": "fine", "echo": echo}})

    async def garbage(_: Request) -> Response:
        return PlainTextResponse("<html>definitely not GraphQL</html>", media_type="text/html")

    async def slow(_: Request) -> Response:
        await asyncio.sleep(delay_seconds)
        return JSONResponse({"data": {"slow": "too late"}})

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def supergraph_sdl(request: Request) -> Response:
        return PlainTextResponse(supergraph(str(request.base_url).rstrip("/")))

    return Starlette(
        routes=[
            Route("/ok", ok, methods=["POST"]),
            Route("/garbage", garbage, methods=["POST"]),
            Route("/slow", slow, methods=["POST"]),
            Route("/health", health),
            Route("/supergraph.graphql", supergraph_sdl),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=5.0)
    args = parser.parse_args()
    serve(create_app(args.delay), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
