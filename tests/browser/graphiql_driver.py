"""Drive GraphiQL in Debian's headless chromium with playwright (never a downloaded browser)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

__all__ = ["CHROMIUM", "GraphiQLRun", "require_chromium", "run_in_graphiql"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it")


_CLOSE_HINTS = """() => {
  const editor = document.querySelector('.graphiql-query-editor .CodeMirror');
  if (editor && editor.CodeMirror && editor.CodeMirror.closeHint) editor.CodeMirror.closeHint();
  document.querySelectorAll('.CodeMirror-hints').forEach((hint) => hint.remove());
}"""


@dataclass(frozen=True)
class GraphiQLRun:
    result_text: str
    plan_text: str | None
    console_errors: list[str]


async def _type_query(page: Page, query: str) -> None:
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.type(query, delay=15)
    await page.keyboard.press("Escape")  # close an open completion list
    await page.keyboard.press("Shift+Control+P")  # GraphiQL's prettify, for a readable page


async def run_in_graphiql(
    url: str,
    query: str,
    *,
    expect_in_result: str,
    screenshot: Path,
    expect_plan: bool = True,
) -> GraphiQLRun:
    """Open GraphiQL at ``url``, type ``query``, run it, return what the page shows."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            console_errors: list[str] = []
            page.on(
                "console",
                lambda message: (
                    console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            await page.goto(url, wait_until="networkidle")
            await page.locator(".graphiql-query-editor .CodeMirror").first.wait_for(timeout=15_000)
            await _type_query(page, query)
            await page.locator(".graphiql-execute-button").click()
            result = page.locator(".graphiql-response .CodeMirror")
            await page.wait_for_function(
                "([needle]) => { const r = document.querySelector('.graphiql-response .CodeMirror');"
                " return r && r.CodeMirror && r.CodeMirror.getValue().includes(needle); }",
                arg=[expect_in_result],
                timeout=20_000,
            )
            result_text = await result.evaluate("node => node.CodeMirror.getValue()")
            plan_text = None
            if expect_plan:
                plan = page.locator("[data-testid=query-plan]")
                await plan.wait_for(timeout=10_000)
                plan_text = await plan.inner_text()
            await page.evaluate(_CLOSE_HINTS)  # no completion popup in the screenshot
            await page.screenshot(path=str(screenshot), full_page=False)
            return GraphiQLRun(result_text, plan_text, console_errors)
        finally:
            await browser.close()
