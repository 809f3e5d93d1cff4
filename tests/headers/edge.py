"""The edge subgraph process (:mod:`tests.headers.edge_subgraph`) and its supergraph file;
``edge`` is the module-scoped fixture (``tests/headers/conftest.py`` offers it; other folders
use :func:`start_edge_subgraphs`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.headers.edge_subgraph import supergraph
from tests.http.router_process import start_process

__all__ = ["EdgeSubgraphs", "edge", "start_edge_subgraphs"]


@dataclass(frozen=True)
class EdgeSubgraphs:
    url: str
    down_url: str
    supergraph: Path
    workdir: Path


def start_edge_subgraphs(workdir: Path, manifest: Path | None = None) -> Iterator[EdgeSubgraphs]:
    port = free_port()
    argv = [sys.executable, "-m", "tests.headers.edge_subgraph", "--port", str(port)]
    if manifest is not None:
        argv += ["--manifest", str(manifest)]
    spec = ProcessSpec(
        name="edge-subgraph",
        argv=argv,
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    down_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    path = workdir / "supergraph.graphql"
    path.write_text(supergraph(url, down_url))
    with start_process(spec, workdir / "edge-subgraph.log"):
        yield EdgeSubgraphs(url, down_url, path, workdir)


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeSubgraphs]:
    yield from start_edge_subgraphs(tmp_path_factory.mktemp("edge"))
