"""``--workers N`` over real processes (issue #20, :mod:`servicekit.workers`): every worker of a
router and of a BFF answers on the one port, the rate limit is one budget across workers (Redis),
``/ready`` waits for every worker, a dead worker is replaced, and the workers stop with their
parent whether it is asked to (SIGTERM) or killed (SIGKILL: no orphan keeps the port)."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from servicekit.health import WORKERS_STARTING, health_routes
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.conftest import REDIS_URL
from tests.servicekit.worker_processes import (
    alive,
    children_of,
    request_on_new_connection,
    wait_for,
)

pytestmark = pytest.mark.e2e

SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"
PROBE = json.dumps({"query": "{ __typename }"}).encode()
TYPENAME = {"data": {"__typename": "Query"}}
START_SECONDS = 120.0  # two routers building at once on a shared, loaded 2-core machine


def _router(workdir: Path, config: dict[str, Any], workers: int = 2) -> ManagedProcess:
    port = free_port()
    config_path = workdir / "router.yaml"
    config_path.write_text(yaml.safe_dump(config))
    argv = [sys.executable, "-m", "router.cli", "--supergraph", str(SUPERGRAPH)]
    argv += ["--config", str(config_path), "--port", str(port), "--prod"]
    argv += ["--workers", str(workers)]
    # /ready, not /health: readiness must mean every worker is up
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/ready", cwd=PROJECT_ROOT)
    return ManagedProcess(spec, log_path=workdir / "router.log")


def _port(process: ManagedProcess) -> int:
    return int(process.spec.ready_url.split(":")[2].split("/")[0])


def _parent(process: ManagedProcess) -> int:
    if process.pid is None:
        raise AssertionError("not started")
    return process.pid


@pytest.fixture
def rate_limited_router(tmp_path: Path, redis_namespace: str) -> Iterator[ManagedProcess]:
    config = {
        "mode": "production",
        "http": {"redis_url": REDIS_URL},
        "security": {
            "rate_limit": {
                "anonymous": {"requests": 20, "per_seconds": 3600},
                "key_prefix": redis_namespace,
            }
        },
    }
    process = _router(tmp_path, config)
    process.start(ready_timeout_seconds=START_SECONDS)
    try:
        yield process
    finally:
        process.stop()
        client = redis.Redis.from_url(REDIS_URL)
        leftovers = list(client.scan_iter(match=f"{redis_namespace}*"))
        if leftovers:
            client.delete(*leftovers)
        client.close()


def test_every_router_worker_answers_and_the_rate_limit_is_global(
    rate_limited_router: ManagedProcess,
) -> None:
    workers = children_of(_parent(rate_limited_router))
    assert len(workers) == 2
    answers = [
        request_on_new_connection(_port(rate_limited_router), "POST", "/graphql", workers, PROBE)
        for _ in range(30)
    ]
    # one budget of 20 for 127.0.0.1, whichever worker took the connection
    assert [status for status, _, _ in answers] == [200] * 20 + [429] * 10
    assert all(json.loads(body) == TYPENAME for _, body, _ in answers[:20])
    assert json.loads(answers[-1][1])["errors"][0]["extensions"]["code"] == "REQUEST_RATE_LIMITED"
    # the kernel spread 30 fresh connections over both workers (all on one: p = 2^-29)
    assert {owner for _, _, owner in answers} == workers


def test_a_dead_worker_is_replaced_and_sigterm_stops_every_worker(tmp_path: Path) -> None:
    process = _router(tmp_path, {"mode": "production"})
    process.start(ready_timeout_seconds=START_SECONDS)
    try:
        parent = _parent(process)
        first = children_of(parent)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        wait_for(
            lambda: len(children_of(parent)) == 2 and victim not in children_of(parent),
            seconds=START_SECONDS,
            what="a new worker in place of the killed one",
        )
        current = children_of(parent)
        wait_for(
            lambda: _owners(_port(process), current) == current,
            seconds=START_SECONDS,
            what="both workers, the new one included, answering",
        )
        os.kill(parent, signal.SIGTERM)  # the parent alone, not its process group
        wait_for(lambda: process.returncode is not None, seconds=30, what="the parent exits")
        assert process.returncode == 0
        wait_for(lambda: not any(alive(pid) for pid in current), seconds=30, what="workers stop")
    finally:
        process.stop()


def _owners(port: int, workers: set[int]) -> set[int | None]:
    owners = set()
    for _ in range(40):
        status, body, owner = request_on_new_connection(port, "POST", "/graphql", workers, PROBE)
        if status == 200 and json.loads(body) == TYPENAME:
            owners.add(owner)
        if owners == workers:
            break
    return owners


def _bff_web(workdir: Path) -> ManagedProcess:
    port = free_port()
    env = {
        "BFF_WEB_PORT": str(port),
        "BFF_WEB_ROUTER_URL": f"http://127.0.0.1:{free_port()}/graphql",  # not needed: /health
        "BFF_WEB_REDIS_URL": REDIS_URL,
    }
    argv = [sys.executable, "-m", "bff_web.app", "--workers", "2"]
    spec = ProcessSpec("bff-web", argv, f"http://127.0.0.1:{port}/health", env, PROJECT_ROOT)
    return ManagedProcess(spec, log_path=workdir / "bff-web.log")


def test_every_bff_worker_answers_and_a_killed_parent_leaves_no_worker(tmp_path: Path) -> None:
    process = _bff_web(tmp_path)
    process.start(ready_timeout_seconds=START_SECONDS)
    try:
        parent = _parent(process)
        port = _port(process)
        wait_for(lambda: len(children_of(parent)) == 2, seconds=START_SECONDS, what="2 workers")
        workers = children_of(parent)
        owners: set[int | None] = set()

        def both_answer() -> bool:
            status, body, owner = request_on_new_connection(port, "GET", "/health", workers)
            if status == 200 and json.loads(body) == {"status": "ok"}:
                owners.add(owner)
            return owners == workers

        wait_for(both_answer, seconds=60, what="both BFF workers answering /health")
        os.kill(parent, signal.SIGKILL)
        wait_for(
            lambda: not any(alive(pid) for pid in workers),
            seconds=30,
            what="workers of a SIGKILLed parent stop",
        )
    finally:
        process.stop()


def test_a_killed_router_parent_leaves_no_worker(tmp_path: Path) -> None:
    process = _router(tmp_path, {"mode": "production"})
    process.start(ready_timeout_seconds=START_SECONDS)
    try:
        workers = children_of(_parent(process))
        assert len(workers) == 2
        os.kill(_parent(process), signal.SIGKILL)
        wait_for(
            lambda: not any(alive(pid) for pid in workers),
            seconds=30,
            what="workers of a SIGKILLed parent stop",
        )
    finally:
        process.stop()


def test_ready_says_starting_until_every_worker_is_up() -> None:
    app = Starlette(routes=health_routes({}))
    WORKERS_STARTING.set()
    try:
        with TestClient(app) as client:
            starting = client.get("/ready")
            WORKERS_STARTING.clear()
            ready = client.get("/ready")
    finally:
        WORKERS_STARTING.clear()
    assert (starting.status_code, starting.json()) == (503, {"status": "starting", "checks": {}})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": {}})
