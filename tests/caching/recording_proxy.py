"""A recording HTTP proxy in front of one real subgraph (a test helper process): forwards every
``POST /graphql`` unchanged (headers and body, the answer's status, body and Cache-Control
back) and records the request bodies, so a test counts the requests and ``_entities``
representations a subgraph really received, independently of the router's own bookkeeping.

    python -m tests.caching.recording_proxy --target http://127.0.0.1:4002/graphql --port 5002
    GET /records -> [{"query": ..., "variables": ...}, ...];  DELETE /records clears them
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["create_app"]

_HOP = {"host", "content-length", "connection", "accept-encoding"}


def create_app(target: str) -> Starlette:
    records: list[Any] = []
    client = httpx.AsyncClient(timeout=30)

    async def forward(request: Request) -> Response:
        body = await request.body()
        records.append(json.loads(body))
        headers = {k: v for k, v in request.headers.items() if k not in _HOP}
        answer = await client.post(target, content=body, headers=headers)
        passed = {k: v for k, v in answer.headers.items() if k in ("content-type", "cache-control")}
        return Response(answer.content, status_code=answer.status_code, headers=passed)

    async def listing(request: Request) -> Response:
        if request.method == "DELETE":
            records.clear()
        return JSONResponse(records)

    return Starlette(
        routes=[
            Route("/graphql", forward, methods=["POST"]),
            Route("/records", listing, methods=["GET", "DELETE"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.target), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
