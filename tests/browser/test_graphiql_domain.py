"""The done-criterion of the router's HTTP surface, end to end: GraphiQL in headless chromium on
the real ``router`` (development mode) over the five real, seeded subgraph processes (the session
fixture ``subgraph_stack``) and the repository's supergraph. A query typed into GraphiQL runs
across products, inventory and reviews; the page shows the same result and the same plan
the router's API returns. The screenshot is ``test-artifacts/graphiql.png``
(committed as ``docs/graphiql.png`` for the README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.graphiql_driver import require_chromium, run_in_graphiql
from tests.http.router_process import RunningRouter, repository_supergraph_sdl, running_router

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

QUERY = "{ topProducts(first: 2) { name price inStock reviews { body author { username } } } }"


@pytest.fixture
def router(tmp_path: Path, subgraph_stack: dict[str, str]) -> Iterator[RunningRouter]:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(repository_supergraph_sdl())
    config = {
        "subgraphs": {name: {"url": url} for name, url in subgraph_stack.items()},
        "http": {"redis_url": None},
    }
    with running_router(tmp_path, supergraph=supergraph, config=config) as running:
        yield running


async def test_graphiql_query_over_real_subgraphs_shows_result_and_plan(
    router: RunningRouter, artifacts_dir: Path
) -> None:
    require_chromium()
    async with httpx.AsyncClient() as http:
        api = await http.post(
            router.graphql_url, json={"query": QUERY}, headers={"Apollo-Expose-Query-Plan": "true"}
        )
    api_body = api.json()
    assert api.status_code == 200 and "errors" not in api_body, api_body
    assert len(api_body["data"]["topProducts"]) == 2
    expected_plan = api_body["extensions"]["apolloQueryPlan"]["text"]
    for service in ("products", "inventory", "reviews"):  # reviews @provides username
        assert f'Fetch(service: "{service}")' in expected_plan
    assert "Parallel {" in expected_plan and "Flatten(path: " in expected_plan

    run = await run_in_graphiql(
        router.graphql_url,
        QUERY,
        expect_in_result='"topProducts"',
        screenshot=artifacts_dir / "graphiql.png",
    )
    assert json.loads(run.result_text) == {"data": api_body["data"]}
    assert run.plan_text == expected_plan
    assert run.console_errors == []
