"""Real processes for the fuzz suite, started once per module: the five seeded subgraphs (the
session's ``subgraph_stack``), OUR router in development mode (no rate limit, a private APQ key
prefix; batching and client ``bff-mobile`` safelisted as in ``config/router.dev.yaml``), bff_web and bff_mobile in development mode and bff_mobile in production mode (persisted
operations only). Every BFF gets its own Redis cache namespace; their keys are deleted at the end.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from devstack.services import by_name
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT, load_subgraphs

__all__ = ["FuzzStack", "running_fuzz_stack"]

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class FuzzStack:
    router: str
    bff_web: str
    bff_mobile_dev: str
    bff_mobile_prod: str
    namespace: str


def _router(folder: Path, subgraph_urls: dict[str, str], namespace: str) -> ManagedProcess:
    config = folder / "router.yaml"
    manifest = PROJECT_ROOT / "schema" / "persisted" / "bff-mobile.router.json"
    config.write_text(
        f"mode: development\nhttp:\n  apq:\n    key_prefix: '{namespace}:router:apq:'\n"
        # as config/router.dev.yaml: the mobile BFF (devstack's env) sends ids in batches
        "batching:\n  enabled: true\n  maximum_size: 10\n"
        "persisted_queries:\n  enabled: true\n  policy: allow\n  clients:\n"
        f"    bff-mobile:\n      policy: safelist\n      manifests: ['{manifest}']\n"
    )
    port = free_port()
    argv = [str(Path(sys.executable).parent / "router"), "--supergraph",
            str(PROJECT_ROOT / "schema" / "supergraph.graphql"), "--config", str(config),
            "--dev", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    argv += [f"--subgraph-url={e.name}={subgraph_urls[e.name]}" for e in load_subgraphs()]
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT)
    return ManagedProcess(spec, log_path=folder / "router.log")


def _bff(folder: Path, name: str, router_port: int, namespace: str, mode: str) -> ManagedProcess:
    service = by_name([name])[0]
    prefix = name.upper()
    env = {f"{prefix}_CACHE_NAMESPACE": f"{namespace}:{name}:{mode}", f"{prefix}_MODE": mode}
    ports = {name: free_port(), "router": router_port}
    spec = service.process_spec(ports, extra_env=env)
    return ManagedProcess(spec, log_path=folder / f"{name}-{mode}.log")


def _delete_keys(namespace: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


@contextmanager
def running_fuzz_stack(folder: Path, subgraph_urls: dict[str, str]) -> Iterator[FuzzStack]:
    namespace = f"test:fuzz:{uuid.uuid4().hex[:10]}"
    with ExitStack() as cleanup:
        cleanup.callback(_delete_keys, namespace)
        router = _router(folder, subgraph_urls, namespace)
        cleanup.callback(router.stop)
        router.start(ready_timeout_seconds=60.0)
        router_port = int(router.spec.ready_url.rsplit(":", 1)[1].split("/")[0])
        bffs = [
            _bff(folder, "bff_web", router_port, namespace, "development"),
            _bff(folder, "bff_mobile", router_port, namespace, "development"),
            _bff(folder, "bff_mobile", router_port, namespace, "production"),
        ]
        for process in bffs:
            cleanup.callback(process.stop)
        with ThreadPoolExecutor(max_workers=len(bffs)) as pool:
            for future in [pool.submit(p.start, ready_timeout_seconds=60.0) for p in bffs]:
                future.result()
        urls = [p.spec.ready_url.rsplit("/", 1)[0] + "/graphql" for p in (router, *bffs)]
        yield FuzzStack(*urls, namespace=namespace)
