"""Take the README's observability screenshots (docs/trace-feed.png, docs/prometheus-graph.png).

Starts a trace-sink, the services the mobile ``Feed`` screen needs (exporting traces to the sink)
and Debian's Prometheus scraping them, loads the screen a few times, then photographs the sink's
view of the screen's trace and Prometheus's graph page in headless Chromium (/usr/bin/chromium,
through Playwright). Everything it starts is stopped at the end.

    .venv/bin/python observability/screenshots.py
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import yaml
from playwright.sync_api import sync_playwright

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.support.stack import running_stack

SERVICES = ["products", "inventory", "reviews", "router", "bff_mobile"]
FEED = "query Feed($after: String) { feed(first: 6, after: $after) { tiles { upc name price inStock rating } endCursor } }"
GRAPH = (
    "histogram_quantile(0.95, sum by (le, subgraph) "
    "(rate(router_subgraph_request_duration_seconds_bucket[1m])))"
)


def _start(name: str, argv: list[str], ready: str, folder: Path) -> ManagedProcess:
    process = ManagedProcess(ProcessSpec(name, argv, ready), log_path=folder / f"{name}.log")
    process.start(ready_timeout_seconds=180)
    return process


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="obs-shots-"))
    sink_port, prometheus_port = free_port(), free_port()
    sink = _start(
        "trace-sink",
        [str(PROJECT_ROOT / ".venv/bin/trace-sink"), "--port", str(sink_port)],
        f"http://127.0.0.1:{sink_port}/api/traces",
        folder,
    )
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}"}
    env = {name: dict(otel) for name in SERVICES}
    env["bff_mobile"]["BFF_MOBILE_CACHE_NAMESPACE"] = f"shots:{uuid.uuid4().hex[:8]}"
    try:
        with running_stack(folder, SERVICES, extra_env=env, ready_timeout_seconds=240) as stack:
            config = {
                "global": {"scrape_interval": "2s"},
                "scrape_configs": [
                    {"job_name": n, "static_configs": [{"targets": [f"127.0.0.1:{p}"]}]}
                    for n, p in stack.ports.items()
                ],
            }
            (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
            prometheus = _start(
                "prometheus",
                [
                    "/usr/bin/prometheus",
                    f"--config.file={folder / 'prometheus.yml'}",
                    f"--storage.tsdb.path={folder / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                f"http://127.0.0.1:{prometheus_port}/-/ready",
                folder,
            )
            try:
                headers = {
                    "apollographql-client-name": "mobile-app",
                    "apollographql-client-version": "3.2",
                }
                after = None
                for _ in range(40):  # cold pages, then warm ones: a minute of traffic
                    body = {"query": FEED, "variables": {"after": after}}
                    answer = httpx.post(
                        stack.urls["bff_mobile"], json=body, headers=headers, timeout=30
                    )
                    after = answer.json()["data"]["feed"]["endCursor"]
                    time.sleep(1.5)
                traces = httpx.get(f"http://127.0.0.1:{sink_port}/api/traces", timeout=10).json()
                screen = next(
                    t["trace_id"]
                    for t in traces
                    if any(s["name"] == "bff.screen" for s in t["spans"])
                    and sum(s["name"] == "subgraph.fetch" for s in t["spans"]) >= 3
                )
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
                    page = browser.new_page(viewport={"width": 1400, "height": 1100})
                    page.goto(f"http://127.0.0.1:{sink_port}/?trace={screen}")
                    page.screenshot(
                        path=str(PROJECT_ROOT / "docs" / "trace-feed.png"), full_page=True
                    )
                    query = urlencode({"g0.expr": GRAPH, "g0.tab": "0", "g0.range_input": "5m"})
                    page.goto(f"http://127.0.0.1:{prometheus_port}/graph?{query}")
                    page.wait_for_timeout(4000)
                    page.screenshot(path=str(PROJECT_ROOT / "docs" / "prometheus-graph.png"))
                    browser.close()
            finally:
                prometheus.stop()
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
