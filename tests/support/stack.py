"""Start services from ``devstack/services.py`` on free ports for a test, with freshly seeded
stores, and always stop them.

    with running_stack(tmp_path, ["accounts", "reviews"]) as stack:
        stack.urls["accounts"]   # http://127.0.0.1:<free port>/graphql

Subgraph stores are SQLite files in ``tmp_dir`` unless ``database_urls`` gives other SQLAlchemy
URLs (for example a ``postgres_url``). The session fixture ``subgraph_stack`` in
tests/conftest.py runs all five subgraphs once per test session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from devstack.services import Service, by_name
from servicekit.processes import ManagedProcess, free_port
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS
from subgraphs.seeding import SeedSizes

__all__ = ["RunningStack", "running_stack", "seed_databases"]

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class RunningStack:
    """What a test needs: each service's GraphQL URL, port, process and store URL."""

    urls: dict[str, str]
    ports: dict[str, int]
    processes: dict[str, ManagedProcess]
    database_urls: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    events_namespace: str = ""
    """Where this stack's services publish and consume events (``EVENTS_NAMESPACE``)."""

    def base_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


def _database_env(database_urls: Mapping[str, str]) -> dict[str, str]:
    return {f"{name.upper()}_DATABASE_URL": url for name, url in database_urls.items()}


def _delete_redis_streams(namespace: str) -> None:
    """The stack's Redis streams (the default broker); other brokers' tests clean their own."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{namespace}.*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def seed_databases(database_urls: Mapping[str, str], sizes: SeedSizes) -> None:
    """``subgraph seed --only ...`` in a child process (no event loop clash with the test)."""
    argv = [
        sys.executable,
        "-m",
        "subgraphs.cli",
        "seed",
        f"--users={sizes.users}",
        f"--products={sizes.products}",
        f"--reviews-per-product={sizes.reviews_per_product}",
        f"--orders-per-user={sizes.orders_per_user}",
    ]
    for name in database_urls:
        argv.append(f"--only={name}")
    env = {**os.environ, **_database_env(database_urls)}
    subprocess.run(argv, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=600)


@contextmanager
def running_stack(
    tmp_dir: Path,
    names: Sequence[str] | None = None,
    *,
    database_urls: Mapping[str, str] | None = None,
    sizes: SeedSizes | None = None,
    extra_env: Mapping[str, Mapping[str, str]] | None = None,
    ready_timeout_seconds: float = 60.0,
) -> Iterator[RunningStack]:
    """Seed the subgraphs among ``names`` (default: the five subgraphs), start every named
    service on a free port (in :data:`devstack.services.SERVICES` order), yield, stop them all."""
    services: list[Service] = by_name(list(names) if names is not None else list(SUBGRAPHS))
    subgraphs = [s.name for s in services if s.name in SUBGRAPHS]
    urls_by_store = {
        name: (database_urls or {}).get(name) or f"sqlite+aiosqlite:///{tmp_dir / f'{name}.db'}"
        for name in subgraphs
    }
    if subgraphs:
        seed_databases(urls_by_store, sizes or SeedSizes())
    ports = {service.name: free_port() for service in services}
    # Every stack's events on a namespace of its own (streams, subjects, queues): stacks of
    # the same session, and of other worktrees, share the machine's Redis (issue #15).
    events_namespace = f"stack_{uuid.uuid4().hex[:10]}"
    log_dir = tmp_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = RunningStack({}, ports, {}, urls_by_store, log_dir, events_namespace)
    with ExitStack() as cleanup:
        cleanup.callback(_delete_redis_streams, events_namespace)
        processes = []
        for service in services:
            reason = service.missing()
            if reason:
                raise RuntimeError(f"cannot start {service.name}: {reason}")
            env = (
                _database_env({service.name: urls_by_store[service.name]})
                if service.name in urls_by_store
                else {}
            )
            env["EVENTS_NAMESPACE"] = events_namespace
            if service.name == "router":  # no dev rate limit: stacks share 127.0.0.1's budget
                env["ROUTER_CONFIG"] = ""
            if service.name == "bff_mobile":  # that router has no batching nor the mobile
                env["BFF_MOBILE_ROUTER_PERSISTED_IDS"] = "false"  # manifest: text, as before
            env.update((extra_env or {}).get(service.name, {}))
            spec = service.process_spec(ports, extra_env=env)
            process = ManagedProcess(spec, log_path=log_dir / f"{service.name}.log")
            cleanup.callback(process.stop)
            processes.append(process)
        # Start concurrently: each start() blocks until its /ready answers.
        with ThreadPoolExecutor(max_workers=len(processes) or 1) as pool:
            started = [
                pool.submit(p.start, ready_timeout_seconds=ready_timeout_seconds) for p in processes
            ]
            for future in started:
                future.result()
        for service, process in zip(services, processes, strict=True):
            stack.processes[service.name] = process
            stack.urls[service.name] = service.url("127.0.0.1", ports[service.name])
        yield stack
