"""The router's HTTP-side counters (``router.instrumented``) in process, with metrics switched on
for the test: outcomes and limit refusals by kind, APQ hits/misses/registrations (real Redis),
rate-limit refusals (real Redis), and the scrape-time breaker, cache and dedup series."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from router.config import RouterConfig, SecurityConfig
from router.instrumented import (
    CountingApqStore,
    CountingGate,
    InstrumentedExecutor,
    RouterCollector,
)
from router.limits.rate_limit import RedisRateLimiter
from router.limits.settings import RateLimitRule, RateLimitSettings
from router.planning.plan import FetchNode, QueryPlan
from router.request import GraphQLRequest, GraphQLResponse, graphql_error
from router.resilience import SubgraphGuards
from router.resilience.settings import ResilienceSettings
from router.security.gate import RequestGate
from servicekit.telemetry import metrics
from tests.execution.test_executor import Recorder, executor
from tests.support.waiting import until

FAILED = {"subgraph": "products", "code": "SUBREQUEST_HTTP_ERROR"}


@pytest.fixture(autouse=True)
def metrics_on() -> Iterator[None]:
    metrics.set_enabled(True)
    yield
    metrics.set_enabled(False)


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class _Answers:
    def __init__(self, response: GraphQLResponse) -> None:
        self.response = response

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        return self.response


async def test_requests_by_operation_client_and_outcome_and_limit_refusals() -> None:
    refused = GraphQLResponse.request_error("too deep", "MAX_DEPTH_EXCEEDED")
    request = GraphQLRequest(
        "{ a }", operation_name="Deep", headers={"apollographql-client-name": "unit"}
    )
    labels = {"operation": "Deep", "client_name": "unit", "outcome": "request_error"}
    before = _value("router_requests_total", **labels)
    depth_before = _value("router_limit_rejections_total", kind="depth")
    timed_before = _value("router_request_duration_seconds_count", operation="Deep")
    answer = await InstrumentedExecutor(_Answers(refused)).execute(request)
    assert answer is refused
    assert _value("router_requests_total", **labels) == before + 1
    assert _value("router_limit_rejections_total", kind="depth") == depth_before + 1
    assert _value("router_request_duration_seconds_count", operation="Deep") == timed_before + 1

    partial = GraphQLResponse(
        data={"a": None}, errors=[graphql_error("x", "SUBREQUEST_HTTP_ERROR")]
    )
    labels = {"operation": "anonymous", "client_name": "none", "outcome": "partial"}
    before = _value("router_requests_total", **labels)
    await InstrumentedExecutor(_Answers(partial)).execute(GraphQLRequest("{ a }"))
    assert _value("router_requests_total", **labels) == before + 1


async def test_apq_hits_misses_and_registrations(redis_client: Redis, redis_namespace: str) -> None:
    store = CountingApqStore(redis_client, key_prefix=f"{redis_namespace}:apq:", ttl_seconds=60)
    counts = {r: _value("router_apq_requests_total", result=r) for r in ("hit", "miss", "register")}
    digest = "a" * 64
    assert await store.get(digest) is None
    await store.put(digest, "{ a }")
    assert await store.get(digest) == "{ a }"
    assert {r: _value("router_apq_requests_total", result=r) - v for r, v in counts.items()} == {
        "hit": 1,
        "miss": 1,
        "register": 1,
    }


async def test_rate_limit_refusals(redis_client: Redis, redis_namespace: str) -> None:
    limits = RateLimitSettings(
        anonymous=RateLimitRule(requests=1, per_seconds=60), key_prefix=f"{redis_namespace}:rl"
    )
    settings = SecurityConfig(rate_limit=limits)
    gate = CountingGate.of(
        RequestGate(settings, limiter=RedisRateLimiter.from_settings(redis_client, limits))
    )
    before = _value("router_rate_limit_rejections_total")
    headers = {"content-type": "application/json"}
    first = await gate.admit("POST", headers, "10.0.0.1", None)
    second = await gate.admit("POST", headers, "10.0.0.1", None)
    assert first.refusal is None
    assert second.refusal is not None
    assert _value("router_rate_limit_rejections_total") == before + 1


def test_scrape_time_series_from_router_state() -> None:
    guards = SubgraphGuards(ResilienceSettings())
    guards["products"].flight.shared = 4
    guards["products"].retries = 3
    stats = {
        "document_cache_entries": 7,
        "plan_cache_entries": 3,
        "inbound_deduplicated": 2,
        "subscription_subgraph_streams": 5,
        "subscriptions_open": 6,
    }
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in RouterCollector(lambda: stats, guards).collect()
        for sample in family.samples
    }
    assert samples == {
        ("router_cache_entries", (("cache", "document"),)): 7.0,
        ("router_cache_entries", (("cache", "plan"),)): 3.0,
        ("router_inbound_dedup_hits_total", ()): 2.0,
        ("router_subscription_subgraph_streams", ()): 5.0,
        ("router_subscriptions_open", ()): 6.0,
        ("router_subgraph_breaker_state", (("subgraph", "products"),)): 0.0,
        ("router_subgraph_dedup_hits_total", (("subgraph", "products"),)): 4.0,
        ("router_subgraph_retries_total", (("subgraph", "products"),)): 3.0,
    }


async def test_subgraph_latency_counts_each_request_sent_once_and_failures_per_fetch() -> None:
    """Fetches sharing one in-flight request (outbound deduplication) observe its time once:
    the histogram is the subgraph's latency for the requests it received. Before, every
    client fetch observed it (three here, for two requests sent)."""
    gate = asyncio.Event()

    async def answer(body: dict[str, Any]) -> Any:
        await asyncio.wait_for(gate.wait(), 2)
        if body["query"].startswith("mutation"):
            return httpx.Response(500, content=b"down")
        return {"data": {"v": 1}}

    config = RouterConfig.model_validate(
        {"all_subgraphs": {"deduplicate_queries": True}, "subgraphs": {}}
    )
    recorder = Recorder({"products": answer})
    run = executor(recorder, config)
    query = QueryPlan(FetchNode("products", "{v}"))
    mutation = QueryPlan(FetchNode("products", "mutation{v}", operation_kind="mutation"))
    count = "router_subgraph_request_duration_seconds_count"
    errors = "router_subgraph_errors_total"
    before = (_value(count, subgraph="products"), _value(errors, **FAILED))
    tasks = [asyncio.ensure_future(run.execute(p, {}, {})) for p in (query, query, mutation)]
    await until(lambda: len(recorder.requests) >= 2, "the query and the mutation in flight")
    gate.set()
    results = await asyncio.gather(*tasks)

    assert [r.data for r in results] == [{"v": 1}, {"v": 1}, {}]  # the mutation failed
    assert [r.errors for r in results[:2]] == [[], []]
    assert [e["extensions"]["code"] for e in results[2].errors] == ["SUBREQUEST_HTTP_ERROR"]
    assert len(recorder.requests) == 2
    assert _value(count, subgraph="products") == before[0] + 2
    assert _value(errors, **FAILED) == before[1] + 1
