"""Two real router processes sharing one real Redis: a query registered through APQ on one runs
by hash alone on the other (unique key prefix per test, removed afterwards)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from redis.asyncio import Redis

from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.conftest import REDIS_URL
from tests.http.flaky_subgraph import supergraph
from tests.http.router_process import running_router, start_process
from tests.http.test_graphql_over_http import GRJ

pytestmark = pytest.mark.e2e

QUERY = "query Echo($t: String!) { ok echo(text: $t) }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
DATA = {"data": {"ok": "fine", "echo": "echoed"}}


@pytest.fixture
def subgraph_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    spec = ProcessSpec(
        name="flaky-subgraph",
        argv=[sys.executable, "-m", "tests.http.flaky_subgraph", "--port", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, tmp_path / "flaky.log"):
        yield f"http://127.0.0.1:{port}"


async def test_apq_registered_on_one_router_runs_on_another(
    tmp_path: Path, subgraph_url: str, redis_client: Redis, redis_namespace: str
) -> None:
    supergraph_file = tmp_path / "supergraph.graphql"
    supergraph_file.write_text(supergraph(subgraph_url))
    prefix = f"{redis_namespace}:apq:"
    config = {"http": {"redis_url": REDIS_URL, "apq": {"key_prefix": prefix, "ttl_seconds": 120}}}
    with (
        running_router(tmp_path, supergraph=supergraph_file, config=config, name="a") as first,
        running_router(tmp_path, supergraph=supergraph_file, config=config, name="b") as second,
    ):
        async with httpx.AsyncClient() as http:
            payload = {"variables": {"t": "x"}, "extensions": PERSISTED}
            before = await http.post(second.graphql_url, json=payload)
            assert (before.status_code, before.headers["content-type"], before.json()) == (
                200,
                GRJ,
                NOT_FOUND,
            )
            assert before.headers["cache-control"] == "private, no-cache, must-revalidate"

            registered = await http.post(first.graphql_url, json={"query": QUERY, **payload})
            assert (registered.status_code, registered.json()) == (200, DATA)

            by_hash = await http.post(second.graphql_url, json=payload)
            assert (by_hash.status_code, by_hash.headers["content-type"], by_hash.json()) == (
                200,
                GRJ,
                DATA,
            )
            by_get = await http.get(
                second.graphql_url,
                params={"variables": '{"t": "x"}', "extensions": orjson.dumps(PERSISTED).decode()},
                headers={"apollo-require-preflight": "true"},  # CSRF prevention is on by default
            )
            assert (by_get.status_code, by_get.json()) == (200, DATA)
    assert await redis_client.get(prefix + HASH) == QUERY.encode()
    assert 0 < await redis_client.ttl(prefix + HASH) <= 120
