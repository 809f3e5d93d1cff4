"""bench saga: order sagas completed per second and the time from ``placeOrder`` to
``CONFIRMED`` (p50/p99), per event broker (issue #15).

A products + inventory + orders + payments stack (real processes, SQLite stores, the saga's
events on the broker) takes ``--orders`` orders, ``--concurrency`` at a time; each order's
latency is read from its status history (the ``PENDING`` entry written by ``placeOrder``'s
transaction to the ``CONFIRMED`` entry, both stamped by the orders process), and sagas/s is the
orders confirmed over the span from the first ``PENDING`` to the last ``CONFIRMED``.

    bench saga --brokers redis,nats --orders 200 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

__all__ = ["main"]

BROKER_URLS = {
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _burst(stack: Any, orders: int, concurrency: int) -> list[str]:
    from tests.events.saga import STOCK, place

    upcs = sorted((upc for upc in STOCK if STOCK[upc] >= 20), key=lambda upc: -STOCK[upc])
    slots = asyncio.Semaphore(concurrency)
    run = uuid.uuid4().hex[:8]

    async def one(client: httpx.AsyncClient, index: int) -> str:
        async with slots:
            answer = await place(
                client,
                stack,
                2 + index % 10,
                f"bench-{run}-{index}",
                [(upcs[index % len(upcs)], 1)],
            )
        if not (answer.get("data") or {}).get("placeOrder"):
            raise RuntimeError(f"placeOrder failed: {answer}")
        return str(answer["data"]["placeOrder"]["id"])

    async with httpx.AsyncClient(timeout=60) as client:
        return list(await asyncio.gather(*(one(client, i) for i in range(orders))))


def _measure(stack: Any, ids: list[str], limit: float) -> dict[str, Any]:
    from tests.events.saga import rows

    marks = ",".join(ids)
    deadline = time.monotonic() + limit
    while True:
        ended = rows(
            stack,
            "orders",
            f"SELECT COUNT(*) FROM orders WHERE id IN ({marks}) AND status != 'PENDING'",
        )[0][0]
        if ended == len(ids) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    history = rows(
        stack,
        "orders",
        f"SELECT order_id, status, at FROM order_status_history WHERE order_id IN ({marks}) "
        "AND (status = 'CONFIRMED' OR step = 'RESERVING_STOCK')",
    )
    started: dict[int, datetime] = {}
    confirmed: dict[int, datetime] = {}
    for order_id, status, at in history:
        stamp = datetime.fromisoformat(str(at))
        (confirmed if status == "CONFIRMED" else started)[order_id] = stamp
    latencies = [(confirmed[i] - started[i]).total_seconds() for i in confirmed]
    span = (max(confirmed.values()) - min(started.values())).total_seconds() if confirmed else 0
    return {
        "orders": len(ids),
        "confirmed": len(confirmed),
        "sagas_per_second": len(confirmed) / span if span else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * _percentile(latencies, 0.99) if latencies else 0.0,
    }


_ORDERS_ENV = {  # measure the saga's latency, not its timeouts
    "ORDERS_RESEND_AFTER_SECONDS": "30",
    "ORDERS_STOCK_TIMEOUT_SECONDS": "300",
    "ORDERS_PAYMENT_TIMEOUT_SECONDS": "300",
}


def run(broker: str, orders: int, concurrency: int) -> dict[str, Any]:
    from tests.events.saga import saga_stack

    with (
        tempfile.TemporaryDirectory() as folder,
        saga_stack(Path(folder), BROKER_URLS[broker], {"orders": _ORDERS_ENV}) as stack,
    ):
        asyncio.run(_burst(stack, 20, concurrency))  # warm-up: connections, caches, JIT-free
        ids = asyncio.run(_burst(stack, orders, concurrency))
        return {"broker": broker, **_measure(stack, ids, limit=300)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench saga", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--brokers", default="redis,nats", help=f"comma list of {sorted(BROKER_URLS)}"
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args(argv)
    results = [run(b, args.orders, args.concurrency) for b in args.brokers.split(",")]
    print(
        f"{'broker':<8} {'orders':>6} {'confirmed':>9} {'sagas/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in results:
        print(
            f"{r['broker']:<8} {r['orders']:>6} {r['confirmed']:>9} {r['sagas_per_second']:>8.1f} "
            f"{r['p50_ms']:>8.0f} {r['p99_ms']:>8.0f}"
        )
    return 0 if all(r["confirmed"] == r["orders"] for r in results) else 1
