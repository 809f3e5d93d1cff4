"""Issue #13, done-when (b) and (c): Debian's Prometheus scrapes every service of the observed
stack, its HTTP API answers for the router's request counter and the per-subgraph latency
histogram; every ``/metrics`` passes ``promtool check metrics`` (Prometheus's own linter)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.observability.conftest import ObservedStack

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def _require(binary: str) -> str:
    if shutil.which(binary) is None:
        pytest.skip(f"Debian's prometheus package is not installed ({binary}); .ci/run installs it")
    return binary


@pytest.fixture(scope="session")
def prometheus(observed: ObservedStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require(PROMETHEUS)
    folder = tmp_path_factory.mktemp("prometheus")
    stack = observed.stack
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [
            {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            for name, port in stack.ports.items()
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    spec = ProcessSpec(
        "prometheus",
        [
            PROMETHEUS,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        f"http://127.0.0.1:{port}/-/ready",
        cwd=folder,
    )
    process = ManagedProcess(spec, log_path=folder / "prometheus.log")
    process.start(ready_timeout_seconds=120)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


def _query(base: str, promql: str, until: Any, timeout_seconds: float = 60.0) -> list[Any]:
    deadline = time.monotonic() + timeout_seconds
    while True:
        answer = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=10).json()
        assert answer["status"] == "success", answer
        result = answer["data"]["result"]
        if until(result) or time.monotonic() > deadline:
            return list(result)
        time.sleep(0.5)


def test_prometheus_scrapes_every_service(observed: ObservedStack, prometheus: str) -> None:
    services = len(observed.stack.ports)  # 9 since payments; a fixed 8 returned early
    result = _query(
        prometheus, "up", lambda r: len(r) == services and all(x["value"][1] == "1" for x in r)
    )
    assert sorted((r["metric"]["job"], r["value"][1]) for r in result) == sorted(
        (name, "1") for name in observed.stack.ports
    )


def test_router_request_counter_through_prometheus(
    observed: ObservedStack, prometheus: str
) -> None:
    promql = 'router_requests_total{job="router",operation="BffStep"}'
    result = _query(prometheus, promql, lambda r: len(r) == 1)
    # the cold Feed screen is two BffStep router requests (bff/README.md), both successful
    assert [
        (r["metric"]["client_name"], r["metric"]["outcome"], r["value"][1]) for r in result
    ] == [("bff-mobile", "success", "2")]


def test_subgraph_latency_histogram_through_prometheus(
    observed: ObservedStack, prometheus: str
) -> None:
    promql = 'sum by (subgraph) (router_subgraph_request_duration_seconds_count{job="router"})'
    result = _query(prometheus, promql, lambda r: len(r) == 3)
    # step 1: the feed page (products); step 2: names and prices, stock, ratings of its tiles
    assert sorted((r["metric"]["subgraph"], r["value"][1]) for r in result) == [
        ("inventory", "1"),
        ("products", "2"),
        ("reviews", "1"),
    ]
    promql = 'router_subgraph_request_duration_seconds_bucket{job="router",subgraph="products",le="+Inf"}'
    assert [r["value"][1] for r in _query(prometheus, promql, lambda r: len(r) == 1)] == ["2"]
    promql = (
        "histogram_quantile(0.5, sum by (le, subgraph) "
        '(router_subgraph_request_duration_seconds_bucket{job="router"}))'
    )
    quantiles = _query(prometheus, promql, lambda r: len(r) == 3)
    assert all(0 < float(r["value"][1]) <= 10 for r in quantiles), quantiles


def _promtool(text: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [_require(PROMTOOL), "check", "metrics"],
        check=False,
        input=text,
        capture_output=True,
        timeout=30,
    )


def test_every_metrics_endpoint_passes_promtool(observed: ObservedStack) -> None:
    problems = {}
    for name in observed.stack.ports:
        response = httpx.get(f"{observed.stack.base_url(name)}/metrics", timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=")
        checked = _promtool(response.content)
        if checked.returncode != 0 or checked.stdout or checked.stderr:
            problems[name] = (checked.stdout + checked.stderr).decode()
    assert problems == {}


def test_promtool_rejects_a_badly_named_counter() -> None:
    """The linter the test above relies on does flag convention breaks."""
    bad = b"# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n"
    checked = _promtool(bad)
    assert checked.returncode != 0
    assert b'counter metrics should have "_total" suffix' in checked.stdout + checked.stderr


def test_the_committed_prometheus_config_is_valid() -> None:
    config = PROJECT_ROOT / "observability" / "prometheus.yml"
    checked = subprocess.run(
        [_require(PROMTOOL), "check", "config", str(config)],
        check=False,
        capture_output=True,
        timeout=30,
    )
    assert checked.returncode == 0, (checked.stdout + checked.stderr).decode()
    jobs = {job["job_name"] for job in yaml.safe_load(Path(config).read_text())["scrape_configs"]}
    assert jobs == {
        "router",
        "bff_web",
        "bff_mobile",
        "accounts",
        "products",
        "inventory",
        "reviews",
        "orders",
        "payments",
    }
