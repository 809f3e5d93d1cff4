"""Start the real ``router`` console entry point as a process on a free port (always stopped)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from router.composition import SubgraphInput, compose
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT, load_subgraphs

__all__ = [
    "START_TIMEOUT_SECONDS",
    "RunningRouter",
    "repository_supergraph_sdl",
    "running_router",
    "start_process",
]

START_TIMEOUT_SECONDS = 90.0


class RunningRouter:
    def __init__(self, url: str, process: ManagedProcess, log_path: Path) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_router(
    workdir: Path,
    *,
    supergraph: Path | str,
    config: Mapping[str, Any] | None = None,
    mode_flag: str = "--dev",
    name: str = "router",
    extra_args: Sequence[str] = (),
) -> Iterator[RunningRouter]:
    """``router --supergraph ... --config <written from config> --port <free> --dev`` and
    ``extra_args`` (e.g. ``--subgraph-url NAME=URL`` replicas)."""
    port = free_port()
    config_path = workdir / f"{name}.yaml"
    config_path.write_text(yaml.safe_dump(dict(config or {})))
    log_path = workdir / f"{name}.log"
    spec = ProcessSpec(
        name=name,
        argv=[
            sys.executable,
            "-m",
            "router.cli",
            "--supergraph",
            str(supergraph),
            "--config",
            str(config_path),
            "--port",
            str(port),
            mode_flag,
            *extra_args,
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    process = ManagedProcess(spec, log_path=log_path)
    # Generous deadline: the machine is shared (2 cores) and other suites may be running.
    process.start(ready_timeout_seconds=START_TIMEOUT_SECONDS)
    try:
        yield RunningRouter(f"http://127.0.0.1:{port}", process, log_path)
    finally:
        process.stop()


@contextmanager
def start_process(spec: ProcessSpec, log_path: Path) -> Iterator[ManagedProcess]:
    """Start any test helper process with the same generous deadline; always stopped."""
    process = ManagedProcess(spec, log_path=log_path)
    process.start(ready_timeout_seconds=START_TIMEOUT_SECONDS)
    try:
        yield process
    finally:
        process.stop()


def repository_supergraph_sdl() -> str:
    """``schema/supergraph.graphql``; composed from ``schema/subgraphs`` when not there yet."""
    committed = PROJECT_ROOT / "schema" / "supergraph.graphql"
    if committed.exists():
        return committed.read_text()
    entries = load_subgraphs()
    result = compose(
        [SubgraphInput(e.name, e.routing_url, e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        pytest.fail(f"the subgraphs do not compose: {result.error_codes}")
    return result.supergraph_sdl
