"""GraphiQL served from local assets runs a typed query and shows the query plan (in-process
graphql-core executor behind the real HTTP layer, served by uvicorn in its own process)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.http.graphiql import assets_installed
from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.browser.graphiql_driver import require_chromium, run_in_graphiql
from tests.http.router_process import start_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

EXPECTED_PLAN = (
    'QueryPlan {\n  Fetch(service: "local") {\n    {\n      hello(name: "browser")\n    }\n  },\n}'
)


@pytest.fixture
def schema_app(tmp_path: Path) -> Iterator[str]:
    if not assets_installed():
        pytest.fail("GraphiQL assets missing: run `make graphiql`")
    port = free_port()
    spec = ProcessSpec(
        name="schema-app",
        argv=[sys.executable, "-m", "tests.http.schema_app_server", "--port", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, tmp_path / "schema-app.log"):
        yield f"http://127.0.0.1:{port}"


async def test_graphiql_page_and_assets(schema_app: str) -> None:
    async with httpx.AsyncClient(base_url=schema_app) as client:
        page = await client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert '<script src="/graphiql/assets/graphiql.js"></script>' in page.text
        assert '{"endpoint":"/graphql","showQueryPlan":true}' in page.text
        for name, media_type in [("graphiql.js", "text/javascript"), ("graphiql.css", "text/css")]:
            asset = await client.get(f"/graphiql/assets/{name}")
            assert (asset.status_code, asset.headers["content-type"]) == (
                200,
                f"{media_type}; charset=utf-8",
            )
        missing = await client.get("/graphiql/assets/../../pyproject.toml")
        assert missing.status_code == 404


async def test_graphiql_runs_a_typed_query_and_shows_the_plan(
    schema_app: str, artifacts_dir: Path
) -> None:
    require_chromium()
    run = await run_in_graphiql(
        f"{schema_app}/graphql",
        '{ hello(name: "browser") }',
        expect_in_result="Hello, browser!",
        screenshot=artifacts_dir / "graphiql-schema-app.png",
    )
    assert json.loads(run.result_text) == {"data": {"hello": "Hello, browser!"}}
    assert run.plan_text == EXPECTED_PLAN
    assert run.console_errors == []
