"""Spans started without being made current (``tracing.start_leaf``: the router's subgraph
fetches) and the trace context they send downstream; an unsampled operation's fetches skip the
tracing hooks; the batch processor's sizes.

A child process (tracing is process-global) exports to the tests' OTLP receiver. Expected values
are W3C Trace Context's: the ``traceparent`` sent for a fetch names the fetch's span as the
parent, in the request's trace; an unsampled trace is propagated with flags ``00``.
"""

from __future__ import annotations

import json
import textwrap

from servicekit.telemetry.tracing import _batch_sizes
from tests.observability.conftest import python_child
from tests.observability.receiver import OtlpReceiver

CLIENT, INTERNAL = 3, 1  # OTLP Span.SpanKind values
ERROR = 2  # OTLP Status.StatusCode

_SCRIPT = textwrap.dedent(
    """
    import json
    from opentelemetry import trace
    from opentelemetry.trace import INVALID_SPAN, SpanKind
    from router import telemetry
    from servicekit.telemetry import tracing

    assert tracing.configure_tracing("svc", "1.0")
    seen = {}
    with tracing.span("root") as root:
        leaf = tracing.start_leaf("leaf", {"a": "b"}, kind=SpanKind.CLIENT)
        seen["root_still_current"] = trace.get_current_span() is root
        seen["leaf_headers"] = dict(tracing.propagation_headers_of(leaf))
        tracing.end(leaf, ValueError("refused"))
        with telemetry.operation_scope("Op"), telemetry.subgraph_fetch("products") as done:
            seen["fetch_headers"] = telemetry.outbound_headers({"accept": "x"})
            done(None)
    with tracing.untraced():
        seen["unsampled_leaf_is_null"] = tracing.start_leaf("x", {}) is INVALID_SPAN
        with telemetry.operation_scope("Op", False), telemetry.subgraph_fetch("products"):
            seen["unsampled_fetch_headers"] = telemetry.outbound_headers({})
            seen["unsampled_shared"] = dict(tracing.propagation_headers())
    trace.get_tracer_provider().force_flush()
    print(json.dumps(seen))
    """
)


def test_leaf_spans_propagate_themselves_without_becoming_current() -> None:
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
        }
        stdout = python_child(_SCRIPT, env).split("\0")[0]
        seen = json.loads(stdout.splitlines()[-1])
        spans = receiver.wait_for(lambda found: len(found) >= 3)
    by_name = {s.name: s for s in spans}
    assert sorted(by_name) == ["leaf", "root", "subgraph.fetch"], spans  # none when unsampled
    root, leaf, fetch = by_name["root"], by_name["leaf"], by_name["subgraph.fetch"]
    assert (leaf.parent_id, leaf.kind, leaf.status) == (root.span_id, CLIENT, ERROR)
    assert leaf.attributes == {"a": "b"}
    assert seen["root_still_current"] is True
    assert seen["leaf_headers"] == {"traceparent": f"00-{root.trace_id}-{leaf.span_id}-03"}
    assert (fetch.parent_id, fetch.kind) == (root.span_id, CLIENT)
    assert fetch.attributes == {"subgraph.name": "products", "graphql.operation.name": "Op"}
    assert seen["fetch_headers"] == {
        "accept": "x",
        "traceparent": f"00-{root.trace_id}-{fetch.span_id}-03",
    }
    assert seen["unsampled_leaf_is_null"] is True
    assert seen["unsampled_fetch_headers"] == seen["unsampled_shared"]
    assert seen["unsampled_fetch_headers"]["traceparent"].endswith("-00")


def test_batch_sizes_are_ours_unless_the_environment_sets_either() -> None:
    assert _batch_sizes({}) == (8192, 2048)
    assert _batch_sizes({"OTEL_BSP_MAX_QUEUE_SIZE": "100"}) == (None, None)
    assert _batch_sizes({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64"}) == (None, None)
