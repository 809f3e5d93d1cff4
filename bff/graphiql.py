"""GraphiQL for the BFFs in development mode, from the router's local npm assets (no CDN).

Strawberry's built-in GraphiQL loads from a CDN, so it is off; this serves the router's page from
shared plumbing (:mod:`servicekit.graphiql`, the pinned assets under ``router/http/graphiql``) for
a browser's ``GET /graphql`` asking for ``text/html``. Without the assets installed the page says
how to install them (503) instead of reaching for a CDN.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Match

from servicekit.graphiql import asset_route, graphiql_page

__all__ = ["GraphiQLMiddleware"]


class GraphiQLMiddleware:
    """Pure ASGI: answer the IDE page and its assets; everything else goes to ``app``."""

    def __init__(self, app: Any, path: str = "/graphql", title: str = "BFF") -> None:
        self.app = app
        self.path = path
        self.title = title
        self.assets = asset_route()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            if scope["path"].rstrip("/") == self.path and not scope.get("query_string"):
                accept = Request(scope).headers.get("accept", "")
                if "text/html" in accept:
                    await graphiql_page(self.path, show_query_plan=False, title=self.title)(
                        scope, receive, send
                    )
                    return
            match, child = self.assets.matches(scope)
            if match is Match.FULL:
                await self.assets.handle({**scope, **child}, receive, send)
                return
        await self.app(scope, receive, send)
