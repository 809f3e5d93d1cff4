"""The BFFs as their console scripts (``bff-web``, ``bff-mobile``) in front of this package's
router process: real processes on free ports, verifying tokens against the platform's accounts
JWKS and consuming the platform's events (cache invalidation), with their own cache namespace."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import ISSUER, SUPERGRAPH, Platform

__all__ = ["running_bff"]

READY_SECONDS = 180.0
"""Generous: the machine is shared; a bound for a hung start, not its expected duration."""


@contextmanager
def running_bff(
    name: str,
    platform: Platform,
    router: RunningRouter,
    mode: str,
    extra: dict[str, str] | None = None,
) -> Iterator[str]:
    """The started BFF's ``/graphql`` URL; ``extra`` settings (``{"router_persisted_ids": "true"}``)."""
    port = free_port()
    prefix = f"BFF_{name.upper()}_"
    settings = {
        "port": str(port),
        "router_url": router.graphql_url,
        "redis_url": "redis://127.0.0.1:6379/0",
        "cache_namespace": f"live-bff-{uuid.uuid4().hex[:8]}",
        "mode": mode,
        "log_level": "warning",
        "supergraph_path": str(SUPERGRAPH),
        "jwks_url": platform.jwks_url,
        "token_issuer": ISSUER,
        **(extra or {}),
    }
    env = {f"{prefix}{key.upper()}": value for key, value in settings.items()}
    env["EVENTS_NAMESPACE"] = platform.stack.events_namespace
    argv = [str(Path(sys.executable).parent / f"bff-{name}")]
    spec = ProcessSpec(f"bff-{name}", argv, f"http://127.0.0.1:{port}/ready", env=env)
    process = ManagedProcess(spec, log_path=platform.workdir / f"bff-{name}-{port}.log")
    with process.start(ready_timeout_seconds=READY_SECONDS):
        yield f"http://127.0.0.1:{port}/graphql"
