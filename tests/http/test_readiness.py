"""``/ready`` of the router app: supergraph loaded (required), Redis optional (degraded when
down), subgraph reachability optional (degraded, naming the unreachable ones, issue #11). Real
Gateway, real Redis, in process (no subgraph listens here, so the status is degraded either
way; the redis check tells the two cases apart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from router.config import RouterConfig
from router.gateway import Gateway
from router.http import create_app
from router.http.readiness import router_readiness
from router.http.supergraph_source import LiveSupergraph, SupergraphSource
from servicekit.processes import free_port
from servicekit.redis import create_redis
from tests.conftest import REDIS_URL
from tests.http.flaky_subgraph import supergraph


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveSupergraph]:
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph(f"http://127.0.0.1:{free_port()}"))
    source = SupergraphSource(str(path))
    loaded = source.load()
    gateway = Gateway(loaded, RouterConfig())
    yield LiveSupergraph(source, gateway, loaded)
    await gateway.aclose()


@pytest.mark.parametrize("redis_up", [True, False])
async def test_ready(live: LiveSupergraph, redis_up: bool) -> None:
    url = REDIS_URL if redis_up else f"redis://127.0.0.1:{free_port()}/0"
    redis = create_redis(url, timeout_seconds=0.3)
    probe_client = httpx.AsyncClient()
    config = RouterConfig()
    app = create_app(
        live.executor,
        config,
        apq=None,
        readiness=router_readiness(live, config, redis=redis, client=probe_client),
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://router.test"
        ) as client:
            response = await client.get("/ready")
    finally:
        await probe_client.aclose()
        await redis.aclose()
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "degraded")
    checks = body["checks"]
    assert checks["supergraph"] == {
        "ok": True,
        "source": live.source.location,
        "subgraphs": ["garbage", "ok", "slow"],
        "reloads": 0,
    }
    assert checks["subgraphs"] == {
        "ok": False,
        "required": False,
        "error": "unreachable: garbage (ConnectError), ok (ConnectError), slow (ConnectError)",
        "subgraphs": {
            graph.name: {"url": graph.url, "reachable": False, "error": "ConnectError"}
            for graph in live.supergraph.graphs
        },
    }
    if redis_up:
        assert checks["redis"] == {"ok": True}
    else:
        assert (checks["redis"]["ok"], checks["redis"]["required"]) == (False, False)
