"""A BFF as its console script (``bff-web``, ``bff-mobile``): a real process on a free port,
configured only by ``BFF_WEB_*`` / ``BFF_MOBILE_*`` variables."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from tests.bff.stack import READY_SECONDS, BffStack

__all__ = ["bff_process", "running_bff_process"]


def bff_process(
    name: str,
    stack: BffStack,
    redis_url: str,
    namespace: str,
    mode: str,
    folder: Path,
    extra_env: dict[str, str] | None = None,
) -> ManagedProcess:
    """Not started: use it as a context manager (or ``start(ready_timeout_seconds=...)``)."""
    port = free_port()
    prefix = f"BFF_{name.upper()}_"
    env = {
        f"{prefix}PORT": str(port),
        f"{prefix}ROUTER_URL": stack.router_url,
        f"{prefix}REDIS_URL": redis_url,
        f"{prefix}CACHE_NAMESPACE": namespace,
        f"{prefix}MODE": mode,
        f"{prefix}LOG_LEVEL": "warning",
        f"{prefix}SUPERGRAPH_PATH": str(stack.supergraph_path),
        **{f"{prefix}{key.upper()}": value for key, value in stack.token_settings().items()},
        **(extra_env or {}),
    }
    argv = [str(Path(sys.executable).parent / f"bff-{name}")]
    spec = ProcessSpec(f"bff-{name}", argv, f"http://127.0.0.1:{port}/ready", env=env)
    return ManagedProcess(spec, log_path=folder / f"bff-{name}.log")


@contextmanager
def running_bff_process(
    name: str,
    stack: BffStack,
    redis_url: str,
    namespace: str,
    mode: str,
    folder: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """The started BFF's base URL (a generous readiness deadline: the machine is shared)."""
    process = bff_process(name, stack, redis_url, namespace, mode, folder, extra_env)
    with process.start(ready_timeout_seconds=READY_SECONDS):
        yield process.spec.ready_url.removesuffix("/ready")
