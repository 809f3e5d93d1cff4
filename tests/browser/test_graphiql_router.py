"""GraphiQL on the real ``router`` process (development mode) over a real subgraph process: a
query typed in headless chromium runs, the result and the query plan show; screenshot kept in
``test-artifacts/graphiql-router.png``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.browser.graphiql_driver import require_chromium, run_in_graphiql
from tests.http.flaky_subgraph import supergraph
from tests.http.router_process import RunningRouter, running_router, start_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

EXPECTED_PLAN = 'QueryPlan {\n  Fetch(service: "ok") {\n    {\n      ok\n      echo(text: "from GraphiQL")\n    }\n  },\n}'


@pytest.fixture
def router(tmp_path: Path) -> Iterator[RunningRouter]:
    port = free_port()
    spec = ProcessSpec(
        name="subgraph",
        argv=[sys.executable, "-m", "tests.http.flaky_subgraph", "--port", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, tmp_path / "subgraph.log"):
        path = tmp_path / "supergraph.graphql"
        path.write_text(supergraph(f"http://127.0.0.1:{port}"))
        with running_router(tmp_path, supergraph=path, config={"http": {"redis_url": None}}) as r:
            yield r


async def test_graphiql_on_the_router_shows_result_and_plan(
    router: RunningRouter, artifacts_dir: Path
) -> None:
    require_chromium()
    run = await run_in_graphiql(
        router.graphql_url,
        '{ ok echo(text: "from GraphiQL") }',
        expect_in_result="echoed",
        screenshot=artifacts_dir / "graphiql-router.png",
    )
    assert json.loads(run.result_text) == {"data": {"ok": "fine", "echo": "echoed"}}
    assert run.plan_text == EXPECTED_PLAN
    assert run.console_errors == []
