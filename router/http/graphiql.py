"""The router's GraphiQL: the page and its assets live in shared plumbing
(:mod:`servicekit.graphiql`), which the BFFs serve too."""

from __future__ import annotations

from servicekit.graphiql import (
    ASSETS,
    GRAPHIQL_DIR,
    asset_route,
    assets_installed,
    graphiql_page,
)

__all__ = ["ASSETS", "GRAPHIQL_DIR", "asset_route", "assets_installed", "graphiql_page"]
