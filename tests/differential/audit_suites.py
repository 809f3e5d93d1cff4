"""The federation gateway audit's suites as supergraphs for the random differential (issue 14).

graphql-hive/federation-gateway-audit serves, from one Node process, every suite's subgraphs
(``/<suite>/<subgraph>``), its supergraph composed by @apollo/composition with those URLs
(``/<suite>/supergraph``) and the suite ids (``/ids``): exactly what ``benchmarks/audit/run_audit``
runs the router against. The checkout is not part of this repository; ``AUDIT_DIR`` points at
an installed one (``npm ci`` done) and ``AUDIT_NODE`` at its Node (default ``node``), as for
``run_audit``. The server listens on 127.0.0.1 only (``bind_loopback.mjs``); on Node 20 the
``node20_compat.mjs`` preload adds ``Promise.withResolvers`` (ES2024, Node 22), which the
audit's ``serve`` uses and nothing else of it needs.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from servicekit.processes import free_port
from servicekit.topology import PROJECT_ROOT

__all__ = ["AuditSuite", "audit_missing", "audit_server", "audit_suites"]

_PRELOADS = (
    PROJECT_ROOT / "benchmarks" / "audit" / "bind_loopback.mjs",
    Path(__file__).resolve().parent / "node20_compat.mjs",
)


@dataclass(frozen=True)
class AuditSuite:
    """One suite: its id and its supergraph SDL (subgraph URLs on the audit server)."""

    name: str
    supergraph_sdl: str


def audit_missing() -> str | None:
    """Why the audit's suites cannot run here, or None."""
    directory = os.environ.get("AUDIT_DIR")
    if not directory:
        return (
            "AUDIT_DIR is not set (a graphql-hive/federation-gateway-audit checkout, npm ci done)"
        )
    if not (Path(directory) / "node_modules" / "tsx").is_dir():
        return f"AUDIT_DIR={directory} has no node_modules/tsx (run npm ci there)"
    return None


@contextmanager
def audit_server(log_path: Path) -> Iterator[str]:
    """The audit's server on a free 127.0.0.1 port (its base URL); stopped on exit."""
    directory = Path(os.environ["AUDIT_DIR"])
    node = os.environ.get("AUDIT_NODE", "node")
    port = free_port()
    options = " ".join(f"--import {preload}" for preload in _PRELOADS)
    env = dict(os.environ, NODE_OPTIONS=options)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [node, "--import", "tsx", "src/cli.ts", "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(f"{base}/ids", server, deadline=time.monotonic() + 420)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


def _wait_ready(url: str, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the audit server exited ({server.returncode}) before {url}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def audit_suites(base: str, wanted: set[str] | None = None) -> list[AuditSuite]:
    """Every suite the server lists (or those of ``wanted``), sorted, with its supergraph."""
    with httpx.Client(timeout=60.0) as client:
        ids = sorted(client.get(f"{base}/ids").json())
        return [
            AuditSuite(name, client.get(f"{base}/{name}/supergraph").text)
            for name in ids
            if wanted is None or name in wanted
        ]
