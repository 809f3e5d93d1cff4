"""GraphiQL, served from local files installed from the npm registry (never a CDN), by the
router and, in development mode, by both BFFs: the page lives here once (issue #12).

GraphQL-over-HTTP, section "Accept", lets a server answer a browser's ``text/html`` GET with an
IDE. The page loads React, ReactDOM and GraphiQL's UMD bundle from
``router/http/graphiql/node_modules`` (``make graphiql`` runs ``npm ci`` from the committed
``package.json`` + ``package-lock.json`` there) and our glue ``graphiql/page.js``. With
``show_query_plan`` (the router in development mode) the page sends
``Apollo-Expose-Query-Plan: true`` and shows ``extensions.apolloQueryPlan`` in a "Query plan"
panel; in production the router exposes no plans, and the BFFs have none.
"""

from __future__ import annotations

import hashlib
import html
from functools import lru_cache
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from servicekit.topology import PROJECT_ROOT

__all__ = ["ASSETS", "GRAPHIQL_DIR", "asset_route", "assets_installed", "graphiql_page"]

GRAPHIQL_DIR = PROJECT_ROOT / "router" / "http" / "graphiql"
"""Where ``make graphiql`` installs the pinned assets (the router's folder, where they began)."""
_MODULES = GRAPHIQL_DIR / "node_modules"
ASSETS: dict[str, tuple[Path, str]] = {
    "react.js": (_MODULES / "react/umd/react.production.min.js", "text/javascript"),
    "react-dom.js": (_MODULES / "react-dom/umd/react-dom.production.min.js", "text/javascript"),
    "graphiql.js": (_MODULES / "graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.css": (_MODULES / "graphiql/graphiql.min.css", "text/css"),
    "page.js": (GRAPHIQL_DIR / "page.js", "text/javascript"),
    "subscriptions.js": (GRAPHIQL_DIR / "subscriptions.js", "text/javascript"),
    "page.css": (GRAPHIQL_DIR / "page.css", "text/css"),
}
ASSET_PREFIX = "/graphiql/assets"
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{prefix}/graphiql.css">
<link rel="stylesheet" href="{prefix}/page.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="router-graphiql-config" type="application/json">{config}</script>
<script src="{prefix}/react.js"></script>
<script src="{prefix}/react-dom.js"></script>
<script src="{prefix}/graphiql.js"></script>
<script src="{prefix}/subscriptions.js"></script>
<script src="{prefix}/page.js"></script>
</body>
</html>
"""


def assets_installed() -> bool:
    return all(path.is_file() for path, _ in ASSETS.values())


def graphiql_page(endpoint: str, *, show_query_plan: bool, title: str = "Router") -> Response:
    """The IDE page; 503 with instructions when the npm assets are not installed."""
    if not assets_installed():
        return PlainTextResponse(
            "GraphiQL assets are not installed: run `make graphiql` (npm ci in router/http/graphiql)",
            status_code=503,
        )
    config = orjson.dumps({"endpoint": endpoint, "showQueryPlan": show_query_plan}).decode()
    page = _PAGE.format(
        title=html.escape(f"{title} · GraphiQL"),
        prefix=ASSET_PREFIX,
        config=config.replace("<", "\\u003c"),
    )
    return HTMLResponse(
        page, headers={"content-security-policy": _CSP, "cache-control": "no-store"}
    )


ASSET_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
"""A day fresh, then a week served stale while revalidating (RFC 5861) against the ETag: a CDN
or browser holds the assets (issue #19) and still sees a new GraphiQL within a day, since the
asset URLs carry no version."""


@lru_cache(maxsize=32)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    """A strong ETag from the content (the same on every replica, unlike mtime-based ones)."""
    return f'"{hashlib.sha256(path.read_bytes()).hexdigest()[:32]}"'


async def _asset(request: Request) -> Response:
    entry = ASSETS.get(request.path_params["name"])
    if entry is None or not entry[0].is_file():
        return PlainTextResponse("not found", status_code=404)
    path, media_type = entry
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    headers = {"etag": etag, "cache-control": ASSET_CACHE_CONTROL}
    known = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in known.split(",")} or known.strip() == "*":
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=f"{media_type}; charset=utf-8", headers=headers)


def asset_route() -> Route:
    return Route(ASSET_PREFIX + "/{name}", _asset, methods=["GET", "HEAD"])
