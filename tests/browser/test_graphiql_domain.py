"""The done-criterion of the router's HTTP surface, end to end: GraphiQL in headless chromium on
the real ``router`` (development mode) over the real, seeded ``accounts`` and ``orders`` subgraph
processes. A query typed into GraphiQL runs across both subgraphs; the page shows the same result
and the same plan the router's API returns. The screenshot is ``test-artifacts/graphiql.png``
(committed as ``docs/graphiql.png`` for the README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.composition import SubgraphInput, compose
from servicekit.topology import load_subgraphs
from tests.browser.graphiql_driver import require_chromium, run_in_graphiql
from tests.http.router_process import RunningRouter, running_router
from tests.support.stack import running_stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

SUBGRAPHS = ("accounts", "orders")
QUERY = "{ users(first: 2) { name orders(first: 1) { id total status } } }"


def _supergraph_sdl() -> str:
    entries = [e for e in load_subgraphs() if e.name in SUBGRAPHS]
    result = compose(
        [SubgraphInput(e.name, e.routing_url, e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        pytest.fail(f"accounts + orders do not compose: {result.error_codes}")
    return result.supergraph_sdl


@pytest.fixture
def router(tmp_path: Path) -> Iterator[RunningRouter]:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(_supergraph_sdl())
    with running_stack(tmp_path, list(SUBGRAPHS)) as stack:
        config = {
            "subgraphs": {name: {"url": stack.urls[name]} for name in SUBGRAPHS},
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
    assert len(api_body["data"]["users"]) == 2
    expected_plan = api_body["extensions"]["apolloQueryPlan"]["text"]
    assert 'Fetch(service: "accounts")' in expected_plan
    assert 'Fetch(service: "orders")' in expected_plan
    assert "Flatten(path: " in expected_plan

    run = await run_in_graphiql(
        router.graphql_url,
        QUERY,
        expect_in_result='"users"',
        screenshot=artifacts_dir / "graphiql.png",
    )
    assert json.loads(run.result_text) == {"data": api_body["data"]}
    assert run.plan_text == expected_plan
    assert run.console_errors == []
