"""Issue #18 "Requests" figures, over real processes: ``python -m benchmarks.requests_bench``.

1. **Batching**: router CPU per operation for 10 operations sent as 10 POSTs (keep-alive) vs as
   one batch, same router, same run (the baseline is the unbatched loop).
2. **Chunking**: ``topProducts(first: 100) { reviews … }`` (100 representations for reviews)
   unchunked vs chunks of 25 and 10: router and reviews CPU per query and median latency.
3. **Uploads**: the router's peak RSS while a 50 MB file streams through it to the products
   subgraph, against its RSS before (streaming keeps it flat; a buffering router would grow by
   the file's size).

Each figure is printed with the 1-minute load average (the machine is shared).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from benchmarks.procstat import RssSampler, group_usage
from servicekit.auth.issuer import IssuerSettings, TokenService
from servicekit.auth.keystore import KeyStore
from servicekit.topology import PROJECT_ROOT
from subgraphs.seeding import SeedSizes
from tests.http.router_process import RunningRouter, running_router
from tests.support.stack import running_stack

__all__ = ["main"]

SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"
SECRET = "requests-bench-secret"
ISSUER = "http://accounts.bench"
TOP = {"query": "query Top { topProducts(first: 2) { upc name } }"}
REVIEWED = "{ topProducts(first: 100) { upc reviews { id rating } } }"


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def _cpu(router: RunningRouter) -> float:
    pid = router.process.pid
    return group_usage(pid).cpu_seconds if pid is not None else 0.0


def _batching(router: RunningRouter, rounds: int = 300) -> None:
    with httpx.Client(timeout=60) as client:
        for _ in range(20):  # warm caches (document, plan, connections)
            client.post(router.graphql_url, json=TOP)
            client.post(router.graphql_url, json=[TOP] * 10)
        start = _cpu(router)
        for _ in range(rounds):
            for _ in range(10):
                client.post(router.graphql_url, json=TOP).raise_for_status()
        single = (_cpu(router) - start) / (rounds * 10)
        start = _cpu(router)
        for _ in range(rounds):
            client.post(router.graphql_url, json=[TOP] * 10).raise_for_status()
        batched = (_cpu(router) - start) / (rounds * 10)
    print(
        f"batching: router CPU per operation {single * 1e3:.3f} ms alone, "
        f"{batched * 1e3:.3f} ms in batches of 10 (ratio {batched / single:.2f}); {_load()}"
    )


def _chunking(routers: dict[str, RunningRouter], reviews_pgid: int, rounds: int = 40) -> None:
    with httpx.Client(timeout=60) as client:
        for name, router in routers.items():
            for _ in range(5):
                client.post(router.graphql_url, json={"query": REVIEWED}).raise_for_status()
            start, sub_start = _cpu(router), group_usage(reviews_pgid).cpu_seconds
            latencies = []
            for _ in range(rounds):
                began = time.perf_counter()
                client.post(router.graphql_url, json={"query": REVIEWED}).raise_for_status()
                latencies.append(time.perf_counter() - began)
            cpu = (_cpu(router) - start) / rounds
            sub = (group_usage(reviews_pgid).cpu_seconds - sub_start) / rounds
            print(
                f"chunking {name}: router CPU {cpu * 1e3:.2f} ms/query, reviews CPU "
                f"{sub * 1e3:.2f} ms/query, median {statistics.median(latencies) * 1e3:.1f} ms; "
                f"{_load()}"
            )


def _upload(router: RunningRouter, token: str, size: int = 50_000_000) -> None:
    pid = router.process.pid
    assert pid is not None
    before = group_usage(pid).rss_bytes

    def body() -> Iterator[bytes]:
        piece = os.urandom(1 << 16)
        for _ in range(size // len(piece)):
            yield piece

    operations = {
        "query": "mutation($upc: String!, $f: Upload!) "
        "{ uploadProductImage(upc: $upc, image: $f) { size } }",
        "variables": {"upc": "100000000001", "f": None},
    }
    boundary = "bench"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        f"{json.dumps(operations)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        '{"0": ["variables.f"]}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def stream() -> Iterator[bytes]:
        yield head
        yield from body()
        yield f"\r\n--{boundary}--\r\n".encode()

    began = time.perf_counter()
    with RssSampler(pid, interval_seconds=0.1) as sampler:
        response = httpx.post(
            router.graphql_url,
            content=stream(),
            headers={
                "content-type": f"multipart/form-data; boundary={boundary}",
                "authorization": f"Bearer {token}",
                "apollo-require-preflight": "true",
            },
            timeout=300,
        )
    elapsed = time.perf_counter() - began
    sent = (size // (1 << 16)) * (1 << 16)
    answered = response.json()["data"]["uploadProductImage"]["size"]
    print(
        f"upload: {sent / 1e6:.1f} MB streamed in {elapsed:.2f} s ({sent / 1e6 / elapsed:.1f} MB/s, "
        f"stored {answered} bytes); router RSS {before / 1e6:.1f} MB before, peak "
        f"{sampler.peak_bytes / 1e6:.1f} MB during; {_load()}"
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.requests_bench [batching] [upload] [chunking]`` (default: all)."""
    parts = set(argv if argv is not None else sys.argv[1:]) or {"batching", "upload", "chunking"}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        keys_dir = workdir / "keys"
        KeyStore(keys_dir).load_or_create()
        env = {n: {"IDENTITY_HMAC_SECRET": SECRET} for n in ("accounts", "products", "reviews")}
        env["accounts"] |= {"ACCOUNTS_KEYS_DIR": str(keys_dir), "ACCOUNTS_TOKEN_ISSUER": ISSUER}
        env["products"] |= {
            "PRODUCTS_IMAGES_DIR": str(workdir / "images"),
            "PRODUCTS_MAX_IMAGE_BYTES": str(100_000_000),
        }
        sizes = SeedSizes(products=120)
        with running_stack(
            workdir, ["accounts", "products", "reviews"], extra_env=env, sizes=sizes
        ) as stack:
            jwks = stack.base_url("accounts") + "/.well-known/jwks.json"
            base: dict[str, Any] = {
                "subgraphs": {
                    n: {"url": stack.urls[n]} for n in ("accounts", "products", "reviews")
                },
                "identity_forwarding": {"secret": SECRET},
                "http": {"redis_url": None},
                "security": {"jwt": {"enabled": True, "jwks_url": jwks, "issuer": ISSUER}},
                "batching": {"enabled": True, "maximum_size": 10},
                "file_uploads": {"enabled": True, "max_file_size": 100_000_000},
            }
            token = TokenService.from_settings(
                IssuerSettings(keys_dir=keys_dir, issuer=ISSUER, audience="federation-router")
            ).issuer.issue("1", ("products:admin",))
            reviews_pid = stack.processes["reviews"].pid
            assert reviews_pid is not None
            if parts & {"batching", "upload"}:
                with running_router(workdir, supergraph=SUPERGRAPH, config=base) as router:
                    if "batching" in parts:
                        _batching(router)
                    if "upload" in parts:
                        _upload(router, token)
            if "chunking" not in parts:
                return
            routers: dict[str, RunningRouter] = {}
            configs = {"unchunked": None, "chunks of 25": 25, "chunks of 10": 10}
            with ExitStack() as started:
                for index, (name, size) in enumerate(configs.items()):
                    config = {**base, "all_subgraphs": {"max_representations_per_fetch": size}}
                    routers[name] = started.enter_context(
                        running_router(
                            workdir, supergraph=SUPERGRAPH, config=config, name=f"c{index}"
                        )
                    )
                _chunking(routers, reviews_pid)


if __name__ == "__main__":
    main()
