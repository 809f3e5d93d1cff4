"""Two router replicas behind HAProxy (issue #19; ``devstack/haproxy.py``), under a load run
of the benchmark query through HAProxy: one replica stopped gracefully (SIGTERM: ``/ready``
answers 503 while it drains, HAProxy takes it out, it finishes what it has and exits) costs no
request; one killed (SIGKILL) costs at most the requests it had in flight, and the count is
reported. The expected answer is a router's own, taken directly before the run."""

from __future__ import annotations

import asyncio
import csv
import io
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from benchmarks.workload import QUERY_PATH
from devstack.haproxy import Backend, haproxy_config, haproxy_program
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from tests.scaling.support import LoadRun, router_process
from tests.support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SUBGRAPHS = ["accounts", "products", "inventory", "reviews"]
BODY = {"query": QUERY_PATH.read_text(), "operationName": "TestQuery"}
CONCURRENCY = 4


@dataclass
class Balanced:
    routers: list[ManagedProcess]
    front: str
    monitor: str


def _states(monitor: str) -> dict[str, str]:
    text = httpx.get(f"{monitor}/stats;csv", timeout=5).text.lstrip("# ")
    rows = csv.DictReader(io.StringIO(text))
    return {
        r["svname"]: r["status"]
        for r in rows
        if r["pxname"] == "router" and r["svname"] not in ("FRONTEND", "BACKEND")
    }


async def _until(condition: object, what: str, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not await asyncio.to_thread(condition):  # type: ignore[arg-type]  # noqa: ASYNC110
            await asyncio.sleep(0.05)


@pytest.fixture
def balanced(tmp_path: Path) -> Iterator[Balanced]:
    program = haproxy_program()
    assert program, "HAProxy (Debian package haproxy) is not installed"
    with running_stack(tmp_path, SUBGRAPHS) as stack:
        overrides = [f"--subgraph-url={n}={stack.urls[n]}" for n in SUBGRAPHS]
        source = ["--supergraph", "schema/supergraph.graphql", *overrides, "--drain-seconds=3"]
        routers = [router_process(tmp_path, f"router-{i}", source)[0] for i in (1, 2)]
        front, monitor = free_port(), free_port()
        ports = [int(r.spec.ready_url.rsplit(":", 1)[1].split("/")[0]) for r in routers]
        config = tmp_path / "haproxy.cfg"
        config.write_text(haproxy_config({"router": Backend(front, ports)}, monitor_port=monitor))
        haproxy = ManagedProcess(
            ProcessSpec(
                "haproxy", [program, "-f", str(config), "-db"], f"http://127.0.0.1:{monitor}/ready"
            ),
            log_path=tmp_path / "haproxy.log",
        )
        try:
            for router in routers:
                router.start(ready_timeout_seconds=60)
            with haproxy.start(ready_timeout_seconds=30):
                yield Balanced(
                    routers, f"http://127.0.0.1:{front}/graphql", f"http://127.0.0.1:{monitor}"
                )
        finally:
            for router in routers:
                router.stop()


async def test_graceful_stop_loses_nothing_and_a_kill_is_counted(balanced: Balanced) -> None:
    first, second = balanced.routers
    await _until(lambda: set(_states(balanced.monitor).values()) == {"UP"}, "both replicas UP")
    async with httpx.AsyncClient() as client:
        expected = (await client.post(balanced.front, json=BODY, timeout=30)).json()
    assert "errors" not in expected and expected["data"]["topProducts"]

    async with LoadRun(balanced.front, BODY, expected, concurrency=CONCURRENCY) as load:
        await load.until_more(10)
        first.signal_group(signal.SIGTERM)
        await _until(lambda: _states(balanced.monitor)["router-1"] == "DOWN", "router-1 DOWN")
        await _until(lambda: first.returncode is not None, "router-1 exited")
        await load.until_more(10)
        assert load.failures == [], "a graceful stop must not fail any request"
        graceful_ok = load.ok

        await asyncio.to_thread(first.start, ready_timeout_seconds=60)
        await _until(lambda: _states(balanced.monitor)["router-1"] == "UP", "router-1 UP again")
        await load.until_more(10)
        second.kill()
        await _until(lambda: _states(balanced.monitor)["router-2"] == "DOWN", "router-2 DOWN")
        await load.until_more(10, fail_fast=False)
        await load.stop()
    print(
        f"\nHAProxy: graceful stop: 0 failed of {graceful_ok}; kill: {len(load.failures)} failed"
        f" of {load.ok + len(load.failures)} (concurrency {CONCURRENCY})"
    )
    assert first.returncode is None
    assert len(load.failures) <= CONCURRENCY, load.failures
