"""The shared plumbing against real things: Redis, an HTTP server process, the registry file."""

from __future__ import annotations

import sys

import httpx
from starlette.applications import Starlette
from starlette.testclient import TestClient

from servicekit.health import ReadinessCheck, health_routes
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.redis import create_redis, redis_probe
from servicekit.topology import load_subgraphs


def test_registry_lists_the_six_subgraphs_on_their_ports() -> None:
    ports = {entry.name: entry.port for entry in load_subgraphs()}
    assert ports == {
        "accounts": 4001,
        "products": 4002,
        "inventory": 4003,
        "reviews": 4004,
        "orders": 4005,
        "payments": 4006,
    }


async def _failing() -> None:
    raise ConnectionError("down")


def test_ready_reports_required_and_optional_checks() -> None:
    redis = create_redis("redis://127.0.0.1:6379/0")
    app = Starlette(
        routes=health_routes(
            {
                "redis": ReadinessCheck(redis_probe(redis)),
                "cache": ReadinessCheck(_failing, required=False),
            }
        )
    )
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "checks": {
            "redis": {"ok": True},
            "cache": {"ok": False, "required": False, "error": "ConnectionError: down"},
        },
    }


def test_required_check_failing_makes_ready_503() -> None:
    app = Starlette(routes=health_routes({"db": ReadinessCheck(_failing)}))
    with TestClient(app) as client:
        ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"


def test_managed_process_starts_waits_and_stops() -> None:
    port = free_port()
    spec = ProcessSpec(
        name="http.server",
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        ready_url=f"http://127.0.0.1:{port}/",
    )
    with ManagedProcess(spec) as process:
        assert process.is_running()
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    assert not process.is_running()
