"""The router's HTTP-side telemetry wrappers (issue #13), installed by ``router.cli``: the
request's span attributes (on the HTTP server span) and request metrics around the gateway, APQ and rate-limit counting, and
the scrape-time collector over state the router keeps anyway (breakers, caches, dedup counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opentelemetry.trace import Status, StatusCode
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from router.http.apq import ApqStore
from router.http.executor import Executor
from router.request import GraphQLRequest, GraphQLResponse
from router.resilience import SubgraphGuards
from router.security.gate import Admission, RequestGate
from router.telemetry import BREAKER_STATES, LIMIT_CODES, operation_scope, router_metrics
from servicekit.telemetry import tracing
from servicekit.telemetry.context import (
    CLIENT_NAME_HEADER,
    CLIENT_VERSION_HEADER,
    claim_server_span,
    set_failure,
    set_operation_name,
)

__all__ = ["CountingApqStore", "CountingGate", "InstrumentedExecutor", "RouterCollector"]


def _outcome(response: GraphQLResponse) -> str:
    if not response.errors:
        return "success"
    if not response.has_data:
        return "request_error"
    return "partial" if response.data is not None else "error"


class InstrumentedExecutor:
    """Wraps the gateway: the request's span attributes, request metrics, the access log's
    operation name.

    In a traced HTTP request the operation's attributes (``graphql.operation.name``, Apollo's
    client name and version, ``graphql.document.cache_hit``, ``graphql.outcome``) go on the
    middleware's ``SERVER`` span, which stays the parent of the stages and fetches: one SDK span
    per request less than a ``router.request`` child (each span costs the SDK ~130 k
    instructions to create and end and the OTLP encoder ~80 k more, ``bench telemetry``).
    Without a server span to claim (a WebSocket subscription, the second and later operations
    of a batched request) the operation opens its own ``router.request`` span as before."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        found = router_metrics()
        traced = tracing.enabled()
        if found is None and not traced:
            return await self.inner.execute(request)
        name = request.operation_name
        set_operation_name(name)
        client = request.headers.get(CLIENT_NAME_HEADER)
        started = time.perf_counter()
        if traced:
            response, outcome = await self._traced(request, name, client)
        else:
            response = await self.inner.execute(request)
            outcome = _outcome(response)
        if found is not None:
            operation = found.operation(name)
            found.requests_by(operation, found.client(client), outcome).inc()
            found.duration_by(operation).observe(time.perf_counter() - started)
            for error in response.errors:
                code = (error.get("extensions") or {}).get("code")
                kind = LIMIT_CODES.get(code) if isinstance(code, str) else None
                if kind is not None:
                    found.limit_rejections_by(kind).inc()
        return response

    async def _traced(
        self, request: GraphQLRequest, name: str | None, client: str | None
    ) -> tuple[GraphQLResponse, str]:
        """The inner execution with the operation's attributes on the server span (or on a
        ``router.request`` span of its own) and its name for the fetch spans."""
        attributes = {
            "graphql.operation.name": name,
            "apollo.client.name": client,
            "apollo.client.version": request.headers.get(CLIENT_VERSION_HEADER),
        }
        server = claim_server_span()
        if server is not None:
            recording = server.is_recording()
            outcome = None
            try:
                with operation_scope(name, recording):
                    response = await self.inner.execute(request)
                outcome = _outcome(response)
            finally:
                if recording:  # the operation's attributes in one call, the outcome known
                    attributes["graphql.outcome"] = outcome
                    server.set_attributes({k: v for k, v in attributes.items() if v is not None})
            if outcome != "success":
                set_failure(outcome)
            return response, outcome
        with (
            tracing.span("router.request", attributes) as span,
            operation_scope(name, span.is_recording()),
        ):
            response = await self.inner.execute(request)
            outcome = _outcome(response)
            span.set_attribute("graphql.outcome", outcome)
            if outcome != "success":
                span.set_status(Status(StatusCode.ERROR, outcome))
        return response, outcome


class CountingApqStore(ApqStore):
    """:class:`ApqStore` counting hits, misses and registrations."""

    async def get(self, sha256_hash: str) -> str | None:
        stored = await super().get(sha256_hash)
        found = router_metrics()
        if found is not None:
            found.apq_by("hit" if stored is not None else "miss").inc()
        return stored

    async def put(self, sha256_hash: str, query: str) -> None:
        await super().put(sha256_hash, query)
        found = router_metrics()
        if found is not None:
            found.apq_by("register").inc()


class CountingGate(RequestGate):
    """:class:`RequestGate` counting rate-limit refusals."""

    @classmethod
    def of(cls, gate: RequestGate) -> CountingGate:
        return cls(gate.settings, verifier=gate.verifier, limiter=gate.limiter)

    async def admit(
        self,
        method: str,
        headers: Mapping[str, str],
        client_ip: str | None,
        operation_name: str | None,
    ) -> Admission:
        admission = await super().admit(method, headers, client_ip, operation_name)
        found = router_metrics()
        if found is not None and admission.refusal is not None:
            codes = {(e.get("extensions") or {}).get("code") for e in admission.refusal.errors}
            if "REQUEST_RATE_LIMITED" in codes:
                found.rate_limited.inc()
        return admission


class RouterCollector(Collector):
    """Scrape-time gauges and counters from state the router keeps anyway."""

    def __init__(
        self, stats: Callable[[], Mapping[str, Any]], guards: SubgraphGuards | None
    ) -> None:
        self._stats = stats
        self._guards = guards

    def collect(self) -> Iterable[Metric]:
        stats = self._stats()
        entries = GaugeMetricFamily(
            "router_cache_entries", "Entries in the document and plan caches.", labels=["cache"]
        )
        for cache in ("document", "plan"):
            entries.add_metric([cache], float(stats.get(f"{cache}_cache_entries", 0)))
        yield entries
        yield GaugeMetricFamily(
            "router_subscriptions_open",
            "Client subscriptions open on this router process, over every transport.",
            value=float(stats.get("subscriptions_open", 0)),
        )
        yield GaugeMetricFamily(
            "router_subscription_subgraph_streams",
            "Subgraph subscription streams open and shared by identical client subscriptions.",
            value=float(stats.get("subscription_subgraph_streams", 0)),
        )
        yield _counter(
            "router_inbound_dedup_hits_total",
            "Requests answered by an identical in-flight request's execution.",
            float(stats.get("inbound_deduplicated", 0)),
        )
        if self._guards is None:
            return
        snapshot = self._guards.snapshot()
        breaker = GaugeMetricFamily(
            "router_subgraph_breaker_state",
            "Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open.",
            labels=["subgraph"],
        )
        dedup = _counter_family(
            "router_subgraph_dedup_hits_total",
            "Subgraph fetches answered by an identical in-flight fetch.",
        )
        retries = _counter_family(
            "router_subgraph_retries_total", "Subgraph request attempts after the first."
        )
        for name, guard in snapshot.items():
            state = (guard.get("breaker") or {}).get("state", "closed")
            breaker.add_metric([name], BREAKER_STATES.get(str(state), 0.0))
            dedup.add_metric([name], float(guard.get("deduplicated", 0)))
            retries.add_metric([name], float(guard.get("retries", 0)))
        yield breaker
        yield dedup
        yield retries


def _counter(name: str, documentation: str, value: float) -> Metric:
    return CounterMetricFamily(name.removesuffix("_total"), documentation, value=value)


def _counter_family(name: str, documentation: str) -> CounterMetricFamily:
    return CounterMetricFamily(name.removesuffix("_total"), documentation, labels=["subgraph"])
