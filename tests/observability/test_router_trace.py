"""The whole trace the router exports for one request (issue #13), span by span: what the cost
cuts of tracing (``bench telemetry``) must keep.

The router runs as a real process over the four fixture subgraphs (tests/execution/fixtures:
they make no spans of their own), exporting OTLP/HTTP to the tests' receiver; the request
carries a sampled W3C ``traceparent`` and Apollo's client-awareness headers. The expected trace
is written by hand from the issue (request, parse/validate on a document cache miss, plan with
its cache hit or miss, one span per subgraph fetch with the subgraph's and the operation's
name, response shaping), OpenTelemetry's stable HTTP server conventions and W3C Trace Context;
ids and times are left out, parents are compared by span name. The same operation's second
request (both caches warm) is compared too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from tests.differential.harness import start_fixture_subgraphs
from tests.observability.receiver import OtlpReceiver, ReceivedSpan

pytestmark = pytest.mark.e2e

SERVER, INTERNAL, CLIENT = 2, 1, 3  # OTLP Span.SpanKind values
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
QUERY = "query TopReviews { topProducts(first: 2) { upc name inStock reviews { body } } }"


@pytest.fixture(scope="module")
def traced_router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OtlpReceiver]]:
    from benchmarks.gateways import rewrite_subgraph_urls
    from tests.differential.random_run import FIXTURE_SDL

    work = tmp_path_factory.mktemp("router-trace")
    with OtlpReceiver() as receiver, start_fixture_subgraphs(work) as urls:
        supergraph = work / "supergraph.graphql"
        supergraph.write_text(rewrite_subgraph_urls(FIXTURE_SDL.read_text(), lambda n: urls[n]))
        config = work / "router.yaml"
        config.write_text("mode: development\nhttp:\n  redis_url: null\n")
        port = free_port()
        router = Path(sys.executable).parent / "router"
        argv = [str(router), "--supergraph", str(supergraph), "--config", str(config)]
        argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "TELEMETRY_METRICS": "true",
        }
        process = ManagedProcess(
            ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", env=env),
            log_path=work / "router.log",
        )
        process.start(ready_timeout_seconds=120)
        try:
            yield f"http://127.0.0.1:{port}/graphql", receiver
        finally:
            process.stop()


def _ask(url: str, caller_span: str) -> dict[str, Any]:
    headers = {
        "content-type": "application/json",
        "apollo-require-preflight": "true",
        "traceparent": f"00-{TRACE_ID}-{caller_span}-01",
        "apollographql-client-name": "trace-test",
        "apollographql-client-version": "1.2",
    }
    body = {"query": QUERY, "operationName": "TopReviews"}
    answer = httpx.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 200
    answered: dict[str, Any] = answer.json()
    return answered


def _tree(spans: list[ReceivedSpan], parent: str) -> list[tuple[Any, ...]]:
    """(name, kind, attributes, status, children) below ``parent``, siblings sorted."""
    children = [s for s in spans if s.parent_id == parent]
    return sorted(
        (
            (s.name, s.kind, sorted(s.attributes.items()), s.status, _tree(spans, s.span_id))
            for s in children
        ),
        key=repr,
    )


def _fetch(subgraph: str) -> tuple[Any, ...]:
    attributes = [("graphql.operation.name", "TopReviews"), ("subgraph.name", subgraph)]
    return ("subgraph.fetch", CLIENT, attributes, 0, [])


def _expected(*, cold: bool) -> list[tuple[Any, ...]]:
    stages = [
        ("router.plan", INTERNAL, [("graphql.plan.cache_hit", not cold)], 0, []),
        ("router.shape", INTERNAL, [], 0, []),
        # topProducts from products, then inventory and reviews for the same two products
        _fetch("products"),
        _fetch("inventory"),
        _fetch("reviews"),
    ]
    if cold:
        stages.append(("graphql.validate", INTERNAL, [], 0, []))
    request = (
        "router.request",
        INTERNAL,
        [
            ("apollo.client.name", "trace-test"),
            ("apollo.client.version", "1.2"),
            ("graphql.document.cache_hit", not cold),
            ("graphql.operation.name", "TopReviews"),
            ("graphql.outcome", "success"),
        ],
        0,
        sorted(stages, key=repr),
    )
    server = (
        "POST /graphql",
        SERVER,
        [
            ("http.request.method", "POST"),
            ("http.response.status_code", 200),
            ("http.route", "/graphql"),
            ("network.protocol.version", "1.1"),
            ("url.path", "/graphql"),
            ("url.scheme", "http"),
        ],
        0,
        [request],
    )
    return [server]


@pytest.mark.parametrize(
    ("caller_span", "cold"), [(CALLER_SPAN, True), ("00f067aa0ba902b8", False)]
)
def test_the_whole_exported_trace_of_one_request(
    traced_router: tuple[str, OtlpReceiver], caller_span: str, cold: bool
) -> None:
    url, receiver = traced_router
    body = _ask(url, caller_span)
    assert "errors" not in body, body
    expected = _expected(cold=cold)
    count = _count(expected)
    spans = receiver.wait_for(
        lambda found: (
            sum(s.trace_id == TRACE_ID and _under(s, found, caller_span) for s in found) >= count
        )
    )
    mine = [s for s in spans if s.trace_id == TRACE_ID and _under(s, spans, caller_span)]
    assert {s.service for s in mine} == {"router"}
    assert _tree(mine, caller_span) == expected


def _count(tree: list[tuple[Any, ...]]) -> int:
    return sum(1 + _count(node[4]) for node in tree)


def _under(span: ReceivedSpan, spans: list[ReceivedSpan], root: str) -> bool:
    by_id = {s.span_id: s for s in spans}
    current: ReceivedSpan | None = span
    while current is not None:
        if current.parent_id == root:
            return True
        current = by_id.get(current.parent_id or "")
    return False
