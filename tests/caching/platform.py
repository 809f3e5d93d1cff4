"""Real processes for the cache tests: the secured platform of tests/security/e2e (five seeded
subgraphs, JWT, signed identity), a recording proxy in front of each subgraph the tests count,
and routers with the response cache on (fresh Redis key prefixes, deleted afterwards)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.http.router_process import RunningRouter, running_router, start_process
from tests.security.e2e.platform import SUPERGRAPH, Platform

__all__ = ["INVALIDATION_KEY", "Proxies", "cache_router", "entity_tag", "running_proxies"]

INVALIDATION_KEY = f"test-key-{uuid.uuid4().hex}"
RECORDED = ("products", "reviews", "accounts", "inventory")


def entity_tag(subgraph: str, type_name: str, key: dict[str, Any]) -> str:
    """Apollo Router-style entity label, written out here from its definition (sha256 of the
    key's canonical JSON, 32 hex digits), not taken from router.caching."""
    canonical = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
    return f"entity-{subgraph}-{type_name}-{hashlib.sha256(canonical).hexdigest()[:32]}"


@dataclass
class Proxies:
    urls: dict[str, str]

    def records(self, name: str) -> list[dict[str, Any]]:
        base = self.urls[name].removesuffix("/graphql")
        found: list[dict[str, Any]] = httpx.get(f"{base}/records", timeout=10).json()
        return found

    def reset(self) -> None:
        for url in self.urls.values():
            httpx.delete(url.removesuffix("/graphql") + "/records", timeout=10)

    def representations(self, name: str) -> list[list[dict[str, Any]]]:
        """The ``representations`` of each ``_entities`` request the subgraph received."""
        return [
            r["variables"]["representations"]
            for r in self.records(name)
            if "representations" in (r.get("variables") or {})
        ]


@contextmanager
def running_proxies(platform: Platform) -> Iterator[Proxies]:
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for name in RECORDED:
            port = free_port()
            argv = [sys.executable, "-m", "tests.caching.recording_proxy"]
            argv += ["--target", platform.stack.urls[name], "--port", str(port)]
            spec = ProcessSpec(
                name=f"proxy-{name}",
                argv=argv,
                ready_url=f"http://127.0.0.1:{port}/records",
                cwd=PROJECT_ROOT,
            )
            stack.enter_context(start_process(spec, platform.workdir / f"proxy-{name}.log"))
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        yield Proxies(urls)


@contextmanager
def cache_router(
    platform: Platform, proxies: Proxies, *, events: bool = False, enabled: bool = True
) -> Iterator[RunningRouter]:
    """A router over the proxies, the cache on under a fresh prefix (deleted afterwards)."""
    prefix = f"test:cache:{uuid.uuid4().hex[:10]}"
    config = platform.router_config()
    for name, url in proxies.urls.items():
        config["subgraphs"][name] = {"url": url}
    config["response_cache"] = {
        "enabled": enabled,
        "key_prefix": prefix,
        "invalidation": {"events": events},
    }
    saved = {k: os.environ.get(k) for k in ("ROUTER_INVALIDATION_KEY", "EVENTS_NAMESPACE")}
    os.environ["ROUTER_INVALIDATION_KEY"] = INVALIDATION_KEY
    os.environ["EVENTS_NAMESPACE"] = platform.stack.events_namespace
    name = f"cache{uuid.uuid4().hex[:6]}"
    try:
        with running_router(
            platform.workdir, supergraph=SUPERGRAPH, config=config, name=name
        ) as router:
            yield router
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
