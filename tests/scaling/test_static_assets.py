"""GraphiQL's static assets can be held by a CDN or browser (issue #19): a long-lived
``Cache-Control``, a strong content ETag (the same on every replica), 304 on ``If-None-Match``."""

from __future__ import annotations

import hashlib

import httpx
from starlette.applications import Starlette

from servicekit.graphiql import ASSETS, asset_route


async def test_assets_carry_cache_headers_and_a_content_etag() -> None:
    app = Starlette(routes=[asset_route()])
    path, _ = ASSETS["page.js"]
    etag = f'"{hashlib.sha256(path.read_bytes()).hexdigest()[:32]}"'
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.get("/graphiql/assets/page.js")
        again = await client.get("/graphiql/assets/page.js", headers={"if-none-match": etag})
        other = await client.get("/graphiql/assets/page.js", headers={"if-none-match": '"x"'})
    assert first.status_code == 200 and first.content == path.read_bytes()
    assert first.headers["etag"] == etag
    cache = "public, max-age=86400, stale-while-revalidate=604800"
    assert first.headers["cache-control"] == cache
    assert first.headers["content-type"] == "text/javascript; charset=utf-8"
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert again.headers["cache-control"] == cache
    assert other.status_code == 200 and other.content == first.content
