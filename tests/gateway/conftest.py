"""Fixture subgraph processes (tests/execution/fixtures) and gateways over their supergraph."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from router.config import RouterConfig
from router.gateway import Gateway
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

FIXTURES = Path(__file__).resolve().parent.parent / "execution" / "fixtures"
SUPERGRAPH_SDL = (FIXTURES / "supergraph.graphql").read_text()
NAMES = ("accounts", "products", "inventory", "reviews")


def start_subgraph(name: str, tmp_dir: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    spec = ProcessSpec(
        name=f"fixture-{name}",
        argv=[sys.executable, "-m", "tests.execution.fixtures.serve", name, str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    process = ManagedProcess(spec, log_path=tmp_dir / f"{name}-{port}.log")
    process.start(ready_timeout_seconds=30)
    return process, f"http://127.0.0.1:{port}/graphql"


@pytest.fixture(scope="session")
def fixture_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The four fixture subgraphs, started once for the session."""
    logs = tmp_path_factory.mktemp("fixture-subgraphs")
    with ThreadPoolExecutor(len(NAMES)) as pool:
        started = list(pool.map(lambda n: start_subgraph(n, logs), NAMES))
    try:
        yield {name: url for name, (_, url) in zip(NAMES, started, strict=True)}
    finally:
        for process, _ in started:
            process.stop()


def config_for(urls: dict[str, str], **extra: Any) -> RouterConfig:
    document: dict[str, Any] = {"subgraphs": {name: {"url": url} for name, url in urls.items()}}
    for key, value in extra.items():
        if key == "subgraphs":
            for name, overrides in value.items():
                document["subgraphs"].setdefault(name, {}).update(overrides)
        else:
            document[key] = value
    return RouterConfig.model_validate(document)


@pytest.fixture
async def make_gateway() -> AsyncIterator[Callable[[RouterConfig], Gateway]]:
    gateways: list[Gateway] = []

    def make(config: RouterConfig) -> Gateway:
        gateway = Gateway.from_sdl(SUPERGRAPH_SDL, config)
        gateways.append(gateway)
        return gateway

    yield make
    for gateway in gateways:
        await gateway.aclose()


@pytest.fixture
async def gateway(
    fixture_urls: dict[str, str], make_gateway: Callable[[RouterConfig], Gateway]
) -> Gateway:
    return make_gateway(config_for(fixture_urls, mode="development"))
