"""One observed stack per test session (started by the first test that asks for it): every service (six subgraphs, router, both BFFs) as a real
process with metrics on and traces exported over OTLP/HTTP (protobuf) to the tests' receiver;
the mobile BFF's ``Feed`` screen is loaded once, cold (a fresh cache namespace)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.observability.receiver import OtlpReceiver
from tests.support.stack import RunningStack, running_stack

SERVICES = [
    "accounts",
    "products",
    "inventory",
    "reviews",
    "orders",
    "payments",
    "router",
    "bff_web",
    "bff_mobile",
]
FEED = "query Feed { feed(first: 3) { tiles { upc name price inStock rating } endCursor hasMore } }"
CLIENT_HEADERS = {"apollographql-client-name": "obs-tests", "apollographql-client-version": "9.1"}


@dataclass
class ObservedStack:
    stack: RunningStack
    receiver: OtlpReceiver
    feed: dict[str, Any]
    namespace: str


@pytest.fixture(scope="session")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObservedStack]:
    folder = tmp_path_factory.mktemp("observed")
    namespace = f"test:{uuid.uuid4().hex[:10]}"
    with OtlpReceiver() as receiver:
        otel = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        env = {
            name: dict(otel)
            for name in (
                "accounts",
                "products",
                "inventory",
                "reviews",
                "orders",
                "payments",
                "router",
            )
        }
        env["bff_web"] = {**otel, "BFF_WEB_CACHE_NAMESPACE": f"{namespace}:web"}
        env["bff_mobile"] = {**otel, "BFF_MOBILE_CACHE_NAMESPACE": f"{namespace}:mobile"}
        try:
            with running_stack(folder, SERVICES, extra_env=env, ready_timeout_seconds=240) as stack:
                answer = httpx.post(
                    stack.urls["bff_mobile"],
                    json={"query": FEED},
                    headers=CLIENT_HEADERS,
                    timeout=30,
                )
                assert answer.status_code == 200, answer.text
                yield ObservedStack(stack, receiver, answer.json(), namespace)
        finally:
            client = redis.Redis(host="127.0.0.1", port=6379)
            keys = list(client.scan_iter(match=f"{namespace}*"))
            if keys:
                client.delete(*keys)
            client.close()


def service_names(stack: RunningStack) -> list[str]:
    return list(stack.ports)


def log_lines(stack: RunningStack, name: str) -> list[str]:
    assert stack.log_dir is not None
    return (stack.log_dir / f"{name}.log").read_text().splitlines()


def read_log(path: Path) -> str:
    return path.read_text()
