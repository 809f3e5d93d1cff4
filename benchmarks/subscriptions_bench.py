"""``python -m benchmarks.subscriptions_bench``: N concurrent subscriptions through one router
process, each receiving one event per second (issue #16's load test: 1,000 x 60 s).

Real processes: inventory (and products with ``--join``, for the product name fetched per event)
publishing live events on a fresh Redis channel prefix, and one ``router`` process. Clients
speak graphql-transport-ws, up to 100 subscriptions per client WebSocket (the router's default
per-connection cap); the router opens one subgraph WebSocket per subscription. Each subscription
follows ``stockChanged(upc:)`` of one of ``--products`` products; every second the bench
publishes each product's next stock level straight to the live-event channel (what a reservation
publishes), stamping the time, so the event-to-client latency is measured per delivery from
publish to the client receiving the router's ``next``. Reports: events expected and delivered
(exact or not), the router's peak RSS (its process group), latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from benchmarks.procstat import RssSampler
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from subgraphs.seeding import SeedSizes, generate
from tests.support.stack import running_stack

__all__ = ["main"]

PER_CONNECTION = 100
SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"


def _query(join: bool) -> str:
    fields = "stockQuantity name" if join else "stockQuantity"
    return f"subscription S($upc: String!) {{ stockChanged(upc: $upc) {{ {fields} }} }}"


class Client:
    """One client WebSocket multiplexing up to ``PER_CONNECTION`` subscriptions."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.errors: list[Any] = []

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "next":
                payload = message["payload"]
                if payload.get("errors"):
                    self.errors.append(payload["errors"])
                    continue
                quantity = payload["data"]["stockChanged"]["stockQuantity"]
                self.received[message["id"]].append((quantity, time.monotonic()))
            elif message["type"] == "error":
                self.errors.append(message["payload"])


async def _open_clients(
    url: str, subs: int, upcs: list[str], query: str
) -> tuple[list[Client], list[asyncio.Task[None]]]:
    """Connection after connection, each one's subscriptions live (a first event) before the
    next connects: subscribers arrive in waves of ``PER_CONNECTION``, not all in one instant."""
    clients: list[Client] = []
    readers: list[asyncio.Task[None]] = []
    for start in range(0, subs, PER_CONNECTION):
        ws = await connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None)
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        client = Client(ws)
        readers.append(asyncio.create_task(client.read()))
        wave = range(start, min(subs, start + PER_CONNECTION))
        for index in wave:
            payload = {"query": query, "variables": {"upc": upcs[index % len(upcs)]}}
            await ws.send(json.dumps({"id": str(index), "type": "subscribe", "payload": payload}))
        clients.append(client)
        deadline = time.monotonic() + 60
        while len(client.received) + len(client.errors) < len(wave):
            if time.monotonic() > deadline:
                raise SystemExit(f"wave {start}: {len(client.received)} live, {client.errors[:3]}")
            await asyncio.sleep(0.05)
        if client.errors:
            raise SystemExit(f"wave {start}: errors {client.errors[:3]}")
    return clients, readers


async def _run(
    router_url: str, prefix: str, args: argparse.Namespace, upcs: list[str]
) -> dict[str, Any]:
    ws_url = router_url.replace("http://", "ws://", 1)
    started = time.monotonic()
    clients, readers = await _open_clients(ws_url, args.subs, upcs, _query(args.join))
    subscribe_seconds = time.monotonic() - started
    redis = Redis.from_url(args.redis_url)
    published: dict[int, float] = {}
    base = 1_000_000
    for tick in range(1, args.seconds + 1):
        due = started + subscribe_seconds + tick
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        published[base + tick] = time.monotonic()
        for upc in upcs:
            body = json.dumps({"upc": upc, "quantity": base + tick})
            await redis.publish(f"{prefix}:stock:{upc}", body)
    deadline = time.monotonic() + 10
    expected = args.subs * args.seconds
    while time.monotonic() < deadline:
        delivered = sum(len(v) - 1 for c in clients for v in c.received.values())
        if delivered >= expected:
            break
        await asyncio.sleep(0.1)
    latencies = [
        at - published[q]
        for c in clients
        for v in c.received.values()
        for q, at in v
        if q in published
    ]
    for reader in readers:
        reader.cancel()
    for client in clients:
        await client.ws.close()
    await redis.aclose()
    latencies.sort()
    delivered = len(latencies)
    return {
        "subscriptions": args.subs,
        "seconds": args.seconds,
        "products": len(upcs),
        "join": args.join,
        "subscribe_all_seconds": round(subscribe_seconds, 2),
        "expected_events": expected,
        "delivered_events": delivered,
        "exact": delivered == expected and not any(c.errors for c in clients),
        "errors": sum(len(c.errors) for c in clients),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)
        if latencies
        else None,
        "latency_ms_max": round(latencies[-1] * 1000, 1) if latencies else None,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="subscriptions_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--subs", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--join", action="store_true", help="also select the name (products)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    prefix = f"bench-live-{uuid.uuid4().hex[:8]}"
    seed = generate(SeedSizes())
    upcs = [s.upc for s in seed.stock][: args.products]
    names = ["inventory", "products"] if args.join else ["inventory"]
    env = {name: {"LIVE_CHANNEL_PREFIX": prefix} for name in names}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), names, extra_env=env) as stack,
    ):
        config = {
            "subgraphs": {name: {"url": stack.urls[name]} for name in names},
            "subscriptions": {"max_open": args.subs + 10},
        }
        config_path = Path(tmp) / "router.yaml"
        config_path.write_text(yaml.safe_dump(config))
        port = free_port()
        spec = ProcessSpec(
            name="router",
            argv=[
                sys.executable,
                "-m",
                "router.cli",
                "--supergraph",
                str(SUPERGRAPH),
                "--config",
                str(config_path),
                "--port",
                str(port),
                "--prod",
                "--log-level",
                "warning",
            ],
            ready_url=f"http://127.0.0.1:{port}/health",
            cwd=PROJECT_ROOT,
        )
        router = ManagedProcess(spec, log_path=Path(tmp) / "router.log")
        with router.start(ready_timeout_seconds=90):
            pid = router.pid
            assert pid is not None
            with RssSampler(os.getpgid(pid)) as sampler:
                result = asyncio.run(_run(f"http://127.0.0.1:{port}/graphql", prefix, args, upcs))
            result["router_peak_rss_mib"] = round(sampler.peak_bytes / 2**20, 1)
    print(json.dumps(result, indent=2))
    return 0 if result["exact"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
