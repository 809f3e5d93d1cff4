"""Issue #13, done-when (a): one BFF screen is one trace across BFF, router, subgraphs and SQL.

Real processes (six subgraphs, the router, both BFFs) export OTLP over HTTP/protobuf to the
tests' receiver; the mobile ``Feed`` screen (cold cache) is loaded once by the fixture.
"""

from __future__ import annotations

import json

from subgraphs.seeding import SeedSizes, generate
from tests.bff import expected
from tests.observability.conftest import ObservedStack, log_lines
from tests.observability.receiver import ReceivedSpan

SERVER, CLIENT = 2, 3  # OTLP Span.SpanKind values


def _feed_trace(observed: ObservedStack) -> list[ReceivedSpan]:
    def complete(spans: list[ReceivedSpan]) -> bool:
        screens = [s for s in spans if s.name == "bff.screen"]
        if not screens:
            return False
        trace = [s for s in spans if s.trace_id == screens[0].trace_id]
        ids = {s.span_id for s in trace}
        if any(s.parent_id is not None and s.parent_id not in ids for s in trace):
            return False  # a parent's batch has not arrived yet
        return sum(_is_router_request(s) for s in trace) == 2 and {
            s.service for s in trace if s.attributes.get("db.system") == "sqlite"
        } >= {"products", "inventory", "reviews"}

    spans = observed.receiver.wait_for(complete)
    screens = [s for s in spans if s.name == "bff.screen"]
    assert len(screens) == 1, screens
    assert screens[0].attributes == {"graphql.operation.name": "Feed"}
    return observed.receiver.trace(screens[0].trace_id)


def _is_router_request(span: ReceivedSpan) -> bool:
    """The router's request span: its HTTP server span, which carries the GraphQL operation's
    attributes (no ``router.request`` child, ``router.instrumented``)."""
    return span.service == "router" and span.name == "POST /graphql"


def _chain(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[str]:
    """``service:name`` of the span and its ancestors up to the root, nearest first."""
    names = []
    current: ReceivedSpan | None = span
    while current is not None:
        names.append(f"{current.service}:{current.name}")
        current = by_id.get(current.parent_id) if current.parent_id else None
    return names


def test_the_screen_answers_the_seeded_feed(observed: ObservedStack) -> None:
    assert observed.feed == {"data": expected.feed(generate(SeedSizes()), 3)}


def test_one_trace_spans_bff_router_subgraphs_and_sql(observed: ObservedStack) -> None:
    trace = _feed_trace(observed)
    by_id = {span.span_id: span for span in trace}
    roots = [span for span in trace if span.parent_id is None]
    assert [(r.service, r.name, r.kind) for r in roots] == [("bff_mobile", "POST /graphql", SERVER)]
    assert all(s.parent_id is None or s.parent_id in by_id for s in trace), "orphan spans"
    assert {s.service for s in trace} == {
        "bff_mobile",
        "router",
        "products",
        "inventory",
        "reviews",
    }

    calls = [s for s in trace if s.name == "bff.router_call"]
    assert len(calls) == 2
    for call in calls:
        assert call.kind == CLIENT
        assert call.attributes["graphql.operation.name"] == "BffStep"
        assert _chain(call, by_id)[1:] == [
            "bff_mobile:bff.dataloader.batch",
            "bff_mobile:bff.screen",
            "bff_mobile:POST /graphql",
        ]

    requests = [s for s in trace if _is_router_request(s)]
    assert not [s for s in trace if s.name == "router.request"]
    for request in requests:
        assert request.kind == SERVER
        assert request.attributes["http.response.status_code"] == 200
        assert request.attributes["apollo.client.name"] == "bff-mobile"
        assert request.attributes["graphql.operation.name"] == "BffStep"
        assert request.attributes["graphql.outcome"] == "success"
        chain = _chain(request, by_id)
        # the BFF's router call is the client span (the BFF's HTTP client moves its bytes
        # with aiohttp, under the httpx API: no second, instrumentation-made client span)
        assert chain[1:3] == ["bff_mobile:bff.router_call", "bff_mobile:bff.dataloader.batch"]
        children = [s.name for s in trace if s.parent_id == request.span_id]
        stages = sorted(name for name in children if name.startswith("router."))
        assert stages == ["router.plan", "router.shape"]
        plan = next(s for s in trace if s.parent_id == request.span_id and s.name == "router.plan")
        assert plan.attributes["graphql.plan.cache_hit"] is False

    fetches = [s for s in trace if s.name == "subgraph.fetch"]
    assert sorted(f.attributes["subgraph.name"] for f in fetches) == [
        "inventory",
        "products",
        "products",
        "reviews",
    ]
    for fetch in fetches:
        assert fetch.kind == CLIENT
        assert fetch.attributes["graphql.operation.name"] == "BffStep"
        assert _chain(fetch, by_id)[1:4] == [
            "router:POST /graphql",
            "bff_mobile:bff.router_call",
            "bff_mobile:bff.dataloader.batch",
        ]
        served = [s for s in trace if s.parent_id == fetch.span_id]
        assert [(s.service, s.name, s.kind) for s in served] == [
            (fetch.attributes["subgraph.name"], "POST /graphql", SERVER)
        ]

    statements = [
        s for s in trace if s.attributes.get("db.system") == "sqlite" and s.name != "connect"
    ]
    assert {s.service for s in statements} == {"products", "inventory", "reviews"}
    for statement in statements:
        assert statement.name.startswith("SELECT"), statement.name
        chain = _chain(statement, by_id)
        server = chain.index(f"{statement.service}:POST /graphql")
        assert chain[server + 1 : server + 3] == ["router:subgraph.fetch", "router:POST /graphql"]
        assert chain[-3:] == [
            "bff_mobile:bff.dataloader.batch",
            "bff_mobile:bff.screen",
            "bff_mobile:POST /graphql",
        ]
    entities = [s for s in trace if s.name == "_entities"]
    # products answers the BFF's root products(upcs:) fields; stock and ratings are entity jumps
    assert sorted(s.service for s in entities) == ["inventory", "reviews"]
    for call in entities:
        assert call.attributes["federation.entities.count"] == 3  # the feed's three tiles
        assert _chain(call, by_id)[1:3] == [
            f"{call.service}:POST /graphql",
            "router:subgraph.fetch",
        ]
        # the loads it scheduled run beside it under the same request span: inventory's as one
        # dataloader batch, reviews' rating summary as its own grouped statement
        siblings = [s for s in trace if s.parent_id == call.parent_id]
        batches = [s for s in siblings if s.name == "resolver.batch"]
        sizes = [s.attributes["resolver.batch.size"] for s in batches]
        assert sizes == ([3] if call.service == "inventory" else []), call.service
        parents = {call.parent_id, *(s.span_id for s in batches)}
        assert [s for s in statements if s.service == call.service and s.parent_id in parents]


def test_log_lines_are_json_and_carry_the_trace(observed: ObservedStack) -> None:
    trace_id = _feed_trace(observed)[0].trace_id
    for name in ("router", "bff_mobile", "products"):
        events = [json.loads(line) for line in log_lines(observed.stack, name)]
        assert all(e["service"] == name and "level" in e for e in events)
        assert any(e.get("logger") == "uvicorn.error" for e in events), "uvicorn's own lines"
        access = [e for e in events if e["event"] == "http.access" and e["trace_id"] == trace_id]
        assert access, f"{name}: no access line in the trace"
    router = [
        e
        for e in (json.loads(line) for line in log_lines(observed.stack, "router"))
        if e["event"] == "http.access" and e.get("trace_id") == trace_id
    ]
    assert [
        {k: e[k] for k in ("method", "path", "status", "operation_name", "client_name", "level")}
        for e in router
    ] == [
        {
            "method": "POST",
            "path": "/graphql",
            "status": 200,
            "operation_name": "BffStep",
            "client_name": "bff-mobile",
            "level": "info",
        }
    ] * 2
    screen = [
        e
        for e in (json.loads(line) for line in log_lines(observed.stack, "bff_mobile"))
        if e["event"] == "http.access" and e.get("trace_id") == trace_id
    ]
    assert [(e["operation_name"], e["client_name"], e["client_version"]) for e in screen] == [
        ("Feed", "obs-tests", "9.1")
    ]
