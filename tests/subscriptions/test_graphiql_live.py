"""Issue #16: GraphiQL in the router subscribes, in Debian's headless chromium, over the
graphql-transport-ws WebSocket and over SSE; the first result (the stock now, with the product's
name from products) shows, then the stock an order leaves. Screenshots kept in
``test-artifacts/graphiql-subscription-<transport>.png``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from subgraphs.seeding import SeedSizes, generate
from tests.browser.graphiql_driver import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform
from tests.subscriptions.test_order_status import PLACE, post, token

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SEED = generate(SeedSizes())
STOCK = {s.upc: s.quantity for s in SEED.stock}
BUYER = SEED.users[3]
RESULT = "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"


async def shows(page: Page, needle: str) -> None:
    await page.wait_for_function(
        "([needle]) => { const r = document.querySelector('.graphiql-response .CodeMirror');"
        " return r && r.CodeMirror && r.CodeMirror.getValue().includes(needle); }",
        arg=[needle],
        timeout=20_000,
    )


TRANSPORTS = ("websocket", "sse")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_graphiql_subscribes_and_shows_each_result(
    platform: Platform, router: RunningRouter, transport: str, artifacts_dir: Path
) -> None:
    require_chromium()
    # products no other test of this package orders
    product = [p for p in SEED.products if STOCK[p.upc] >= 50][1 + TRANSPORTS.index(transport)]
    query = f'subscription {{ stockChanged(upc: "{product.upc}") {{ upc name stockQuantity }} }}'
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            sockets: list[str] = []
            streams: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            page.on(
                "request",
                lambda r: (
                    streams.append(r.url)
                    if r.headers.get("accept") == "text/event-stream"
                    else None
                ),
            )
            await page.goto(f"{router.graphql_url}?subscriptionTransport={transport}")
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            await editor.wait_for(timeout=15_000)
            await page.evaluate(
                "([q]) => document.querySelector('.graphiql-query-editor .CodeMirror')"
                ".CodeMirror.setValue(q)",
                [query],
            )
            await page.locator(".graphiql-execute-button").click()
            await shows(page, f'"stockQuantity": {STOCK[product.upc]}')
            line = {"upc": product.upc, "quantity": 4}
            order_input = {"idempotencyKey": f"graphiql-{uuid.uuid4()}", "items": [line]}
            placed = await post(router, PLACE, {"input": order_input}, token(platform, BUYER.id))
            assert "errors" not in placed
            await shows(page, f'"stockQuantity": {STOCK[product.upc] - 4}')
            result = await page.evaluate(RESULT)
            await page.screenshot(
                path=str(artifacts_dir / f"graphiql-subscription-{transport}.png")
            )
        finally:
            await browser.close()
    expected = {"upc": product.upc, "name": product.name, "stockQuantity": STOCK[product.upc] - 4}
    assert json.loads(result) == {"data": {"stockChanged": expected}}
    ws_url = router.graphql_url.replace("http://", "ws://", 1)
    if transport == "websocket":
        assert (sockets, streams) == ([ws_url], [])
    else:
        assert (sockets, streams) == ([], [router.graphql_url])
