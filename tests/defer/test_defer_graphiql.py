"""GraphiQL in the router shows deferred results as they arrive (headless Debian chromium).

The real ``router`` (development mode) over the fixture subgraphs, whose inventory subgraph
answers ``Product.delivery`` after 3 s. The page's fetcher asks for ``multipart/mixed`` and
yields each part; the result pane first shows the primary part (``name``) without
``delivery``, then the merged result. Screenshots of both states go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from benchmarks.gateways import rewrite_subgraph_urls
from tests.browser.graphiql_driver import CHROMIUM, require_chromium
from tests.defer.harness import FIXTURE_SDL
from tests.differential.harness import start_fixture_subgraphs
from tests.http.router_process import RunningRouter, running_router

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

QUERY = '{ product(upc: "1") { name ... @defer(label: "slow") { delivery } } }'
RESULT = ".graphiql-response .CodeMirror"


@pytest.fixture
def router(tmp_path: Path) -> Iterator[RunningRouter]:
    with start_fixture_subgraphs(tmp_path) as urls:
        path = tmp_path / "supergraph.graphql"
        path.write_text(rewrite_subgraph_urls(FIXTURE_SDL.read_text(), urls.__getitem__))
        with running_router(tmp_path, supergraph=path, config={"http": {"redis_url": None}}) as r:
            yield r


async def _result(page: Page) -> str:
    text: str = await page.locator(RESULT).evaluate("node => node.CodeMirror.getValue()")
    return text


async def _wait_for(page: Page, needle: str) -> str:
    await page.wait_for_function(
        "([selector, needle]) => { const r = document.querySelector(selector);"
        " return r && r.CodeMirror && r.CodeMirror.getValue().includes(needle); }",
        arg=[RESULT, needle],
        timeout=60_000,
    )
    return await _result(page)


async def test_graphiql_shows_the_primary_part_then_the_deferred_one(
    router: RunningRouter, artifacts_dir: Path
) -> None:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"], headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto(router.graphql_url, wait_until="networkidle")
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            await editor.wait_for(timeout=60_000)  # a loaded machine
            # set the editor's text through CodeMirror (typing would auto-close braces)
            await editor.evaluate("(node, query) => node.CodeMirror.setValue(query)", QUERY)
            await page.locator(".graphiql-execute-button").click()
            first = await _wait_for(page, "Table")
            await page.screenshot(path=str(artifacts_dir / "graphiql-defer-primary.png"))
            final = await _wait_for(page, "tomorrow")
            await page.screenshot(path=str(artifacts_dir / "graphiql-defer-complete.png"))
        finally:
            await browser.close()
    # the primary part was shown alone: the deferred field came 3 s later
    assert "delivery" not in first
    assert json.loads(first)["data"] == {"product": {"name": "Table"}}
    assert json.loads(final)["data"] == {"product": {"name": "Table", "delivery": "tomorrow"}}
    assert errors == []


STREAM_QUERY = "{ topProducts @stream(initialCount: 1) { name delivery } }"


async def test_graphiql_shows_streamed_items_as_they_arrive(
    router: RunningRouter, artifacts_dir: Path
) -> None:
    """``@stream`` (issue #16): the first item (its 3 s ``delivery`` fetched before the initial
    payload), then the two others 3 s later, merged into the list by GraphiQL."""
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"], headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto(router.graphql_url, wait_until="networkidle")
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            await editor.wait_for(timeout=60_000)
            await editor.evaluate("(node, query) => node.CodeMirror.setValue(query)", STREAM_QUERY)
            await page.locator(".graphiql-execute-button").click()
            first = await _wait_for(page, "Table")
            await page.screenshot(path=str(artifacts_dir / "graphiql-stream-initial.png"))
            final = await _wait_for(page, "Chair")
            await page.screenshot(path=str(artifacts_dir / "graphiql-stream-complete.png"))
        finally:
            await browser.close()
    assert json.loads(first)["data"] == {"topProducts": [{"name": "Table", "delivery": "tomorrow"}]}
    assert json.loads(final)["data"] == {
        "topProducts": [
            {"name": name, "delivery": "tomorrow"} for name in ("Table", "Couch", "Chair")
        ]
    }
    assert errors == []
