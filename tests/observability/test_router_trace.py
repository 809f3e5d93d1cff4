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

The request's span is the HTTP server span, carrying the operation's attributes (one SDK span
less per request than a ``router.request`` child). Two more shapes follow from that: a batched
request's first operation to claim the server span uses it and the other opens a
``router.request`` child; a failed operation sets the server span's ERROR status on a 200
response but not on a 4xx (the HTTP server conventions leave it unset there).
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
UNSET, ERROR = 0, 2  # OTLP Status.StatusCode values
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
        config.write_text(
            "mode: development\nhttp:\n  redis_url: null\nbatching:\n  enabled: true\n"
        )
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


def _headers(caller_span: str, accept: str = "application/json") -> dict[str, str]:
    return {
        "content-type": "application/json",
        "accept": accept,
        "apollo-require-preflight": "true",
        "traceparent": f"00-{TRACE_ID}-{caller_span}-01",
        "apollographql-client-name": "trace-test",
        "apollographql-client-version": "1.2",
    }


def _ask(url: str, caller_span: str) -> dict[str, Any]:
    body = {"query": QUERY, "operationName": "TopReviews"}
    answer = httpx.post(url, json=body, headers=_headers(caller_span), timeout=30)
    assert answer.status_code == 200
    answered: dict[str, Any] = answer.json()
    return answered


def _received(receiver: OtlpReceiver, caller_span: str, count: int) -> list[ReceivedSpan]:
    spans = receiver.wait_for(
        lambda found: (
            sum(s.trace_id == TRACE_ID and _under(s, found, caller_span) for s in found) >= count
        )
    )
    mine = [s for s in spans if s.trace_id == TRACE_ID and _under(s, spans, caller_span)]
    assert {s.service for s in mine} == {"router"}
    return mine


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


_HTTP = [
    ("http.request.method", "POST"),
    ("http.response.status_code", 200),
    ("http.route", "/graphql"),
    ("network.protocol.version", "1.1"),
    ("url.path", "/graphql"),
    ("url.scheme", "http"),
]
_CLIENT = [("apollo.client.name", "trace-test"), ("apollo.client.version", "1.2")]


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
    # the operation's attributes live on the HTTP server span (no router.request child)
    server = (
        "POST /graphql",
        SERVER,
        sorted(
            [
                *_CLIENT,
                ("graphql.document.cache_hit", not cold),
                ("graphql.operation.name", "TopReviews"),
                ("graphql.outcome", "success"),
                *_HTTP,
            ]
        ),
        0,
        sorted(stages, key=repr),
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
    assert _tree(_received(receiver, caller_span, _count(expected)), caller_span) == expected


def _operation(name: str, *, server: bool) -> tuple[list[tuple[str, Any]], list[Any]]:
    """One cold operation of the batch test, ``topProducts`` from products alone: its
    attributes and its child spans (on the server span, or a ``router.request`` span's)."""
    attributes = [
        *_CLIENT,
        ("graphql.document.cache_hit", False),
        ("graphql.operation.name", name),
        ("graphql.outcome", "success"),
    ]
    stages = [
        ("graphql.validate", INTERNAL, [], 0, []),
        ("router.plan", INTERNAL, [("graphql.plan.cache_hit", False)], 0, []),
        ("router.shape", INTERNAL, [], 0, []),
        (
            "subgraph.fetch",
            CLIENT,
            [("graphql.operation.name", name), ("subgraph.name", "products")],
            0,
            [],
        ),
    ]
    return (attributes if server else sorted(attributes)), stages


def _batch(first: str, second: str) -> list[tuple[Any, ...]]:
    """``first`` claimed the server span; ``second`` opened a ``router.request`` child."""
    attributes, stages = _operation(first, server=True)
    other, other_stages = _operation(second, server=False)
    request = ("router.request", INTERNAL, other, 0, sorted(other_stages, key=repr))
    children = sorted([*stages, request], key=repr)
    return [("POST /graphql", SERVER, sorted([*attributes, *_HTTP]), 0, children)]


def test_a_batch_claims_the_server_span_once(traced_router: tuple[str, OtlpReceiver]) -> None:
    url, receiver = traced_router
    caller_span = "00f067aa0ba902b9"
    body = [
        {"query": "query BatchA { topProducts(first: 1) { upc } }", "operationName": "BatchA"},
        {"query": "query BatchB { topProducts(first: 1) { name } }", "operationName": "BatchB"},
    ]
    answer = httpx.post(url, json=body, headers=_headers(caller_span), timeout=30)
    assert answer.status_code == 200
    assert all("errors" not in item for item in answer.json()), answer.json()
    either = _batch("BatchA", "BatchB")
    tree = _tree(_received(receiver, caller_span, _count(either)), caller_span)
    assert tree in (either, _batch("BatchB", "BatchA")), tree


@pytest.mark.parametrize(
    ("caller_span", "accept", "status", "span_status"),
    [
        ("00f067aa0ba902ba", "application/json", 200, ERROR),
        ("00f067aa0ba902bb", "application/graphql-response+json", 400, UNSET),
    ],
)
def test_a_failed_operation_and_the_server_span_status(
    traced_router: tuple[str, OtlpReceiver],
    caller_span: str,
    accept: str,
    status: int,
    span_status: int,
) -> None:
    url, receiver = traced_router
    # a field of its own per case: the document cache keeps a refused document too
    body = {"query": f"query Broken {{ nope{status} }}", "operationName": "Broken"}
    answer = httpx.post(url, json=body, headers=_headers(caller_span, accept), timeout=30)
    assert answer.status_code == status
    assert answer.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    attributes = [
        *_CLIENT,
        ("graphql.document.cache_hit", False),
        ("graphql.operation.name", "Broken"),
        ("graphql.outcome", "request_error"),
        *[a if a[0] != "http.response.status_code" else (a[0], status) for a in _HTTP],
    ]
    # a document that fails validation is neither planned nor fetched
    validate = ("graphql.validate", INTERNAL, [], 0, [])
    expected = [("POST /graphql", SERVER, sorted(attributes), span_status, [validate])]
    assert _tree(_received(receiver, caller_span, _count(expected)), caller_span) == expected


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
