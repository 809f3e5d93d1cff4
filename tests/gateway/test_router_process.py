"""The Gateway behind the real HTTP surface: the ``router`` console script as a process over the
fixture subgraphs (POST and GET, whole responses)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.gateway.conftest import FIXTURES

pytestmark = pytest.mark.e2e


@pytest.fixture
def router_url(fixture_urls: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    config = tmp_path / "router.yaml"
    config.write_text(yaml.safe_dump({"mode": "production", "http": {"redis_url": None}}))
    argv = [
        str(Path(sys.executable).parent / "router"),
        "--supergraph",
        str(FIXTURES / "supergraph.graphql"),
        "--config",
        str(config),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    argv += [f"--subgraph-url={name}={url}" for name, url in fixture_urls.items()]
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT)
    with ManagedProcess(spec, log_path=tmp_path / "router.log"):
        yield f"http://127.0.0.1:{port}/graphql"


async def test_queries_over_http_and_mutations_refused_over_get(router_url: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(
            router_url,
            json={
                "query": "query Q($n: Int!) { topProducts(first: $n) { name shippingEstimate } }",
                "variables": {"n": 2},
            },
        )
        got = await client.get(
            router_url,
            params={"query": 'mutation { rename(id: 1, name: "x") { name } }'},
            headers={
                "accept": "application/graphql-response+json",
                "apollo-require-preflight": "1",
            },
        )
    assert posted.status_code == 200
    assert posted.json() == {
        "data": {
            "topProducts": [
                {"name": "Table", "shippingEstimate": 50},
                {"name": "Couch", "shippingEstimate": 0},
            ]
        }
    }
    assert got.status_code == 405
    assert "data" not in got.json()
