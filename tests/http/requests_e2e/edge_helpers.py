"""Two small real HTTP servers for the issue #18 end-to-end tests, one process each:

``python -m tests.http.requests_e2e.edge_helpers supergraph --port N --file F --log L``
    serves ``GET /supergraph.graphql`` from file ``F`` with a strong ``ETag`` (the SHA-256 of
    the bytes, read at each request) and answers ``If-None-Match`` with ``304 Not Modified``
    (RFC 9110 sections 8.8.3 and 13.1.2), as a CDN or Hive's artifact endpoint does; every
    request is appended to ``L`` as a JSON line ``{"if_none_match", "status"}``.

``python -m tests.http.requests_e2e.edge_helpers proxy --port N --target URL --log L``
    forwards each POST to ``URL`` unchanged and appends ``{"representations": n}`` to ``L`` for
    every ``_entities`` request (``n``: the length of ``variables.representations``), so a test
    counts what reaches the subgraph without trusting the router's own account; every
    ``multipart/form-data`` request (an upload) appends ``{"upload": <body bytes>, "x-tenant-id":
    <that header or null>}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from servicekit.serve import serve


def _append(log: Path, record: dict[str, object]) -> None:
    with log.open("a") as out:
        out.write(json.dumps(record) + "\n")


def supergraph_app(file: Path, log: Path) -> Starlette:
    def supergraph(request: Request) -> Response:  # Starlette runs it in its thread pool
        body = file.read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        condition = request.headers.get("if-none-match")
        status = 304 if condition == etag else 200
        _append(log, {"if_none_match": condition, "status": status})
        if status == 304:
            return Response(status_code=304, headers={"etag": etag})
        return Response(body, media_type="text/plain", headers={"etag": etag})

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/supergraph.graphql", supergraph), Route("/health", health)])


def proxy_app(target: str, log: Path) -> Starlette:
    client = httpx.AsyncClient(timeout=30.0)

    async def forward(request: Request) -> Response:
        body = await request.body()
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict) and "_entities" in str(document.get("query", "")):
            variables = document.get("variables") or {}
            _append(log, {"representations": len(variables.get("representations") or [])})
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):  # an upload (GraphQL multipart spec)
            _append(log, {"upload": len(body), "x-tenant-id": request.headers.get("x-tenant-id")})
        # the body is forwarded whole: its framing headers are the proxy's own (hop by hop)
        framing = ("host", "content-length", "transfer-encoding")
        headers = {k: v for k, v in request.headers.items() if k not in framing}
        answer = await client.post(target, content=body, headers=headers)
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
        )

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/graphql", forward, methods=["POST"]), Route("/health", health)]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["supergraph", "proxy"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--target")
    args = parser.parse_args()
    if args.kind == "supergraph":
        app = supergraph_app(args.file, args.log)
    else:
        app = proxy_app(args.target, args.log)
    serve(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
