"""The subgraphs' metrics and spans (issue #13), on servicekit's telemetry.

:func:`instrument` wraps a subgraph app: each ``/graphql`` request counts its SQL statements (a
SQLAlchemy ``before_cursor_execute`` listener) into ``subgraph_sql_statements_per_request``, and,
when tracing, every statement becomes a span (OpenTelemetry's SQLAlchemy instrumentation).
``_entities`` calls observe their batch size and open an ``_entities`` span; dataloader batches
open ``resolver.batch`` spans. Hooks are no-ops while metrics and tracing are off.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Span
from prometheus_client import Counter, Histogram
from sqlalchemy import event

from servicekit.telemetry import metrics, tracing

__all__ = ["SubgraphMetrics", "entities_batch", "entities_span", "instrument", "resolver_batch"]

_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class SubgraphMetrics:
    def __init__(self, subgraph: str) -> None:
        self.subgraph = subgraph
        self.requests = Counter(
            "subgraph_requests", "GraphQL requests served by the subgraph.", ["subgraph"]
        )
        self.entities = Histogram(
            "subgraph_entities_batch_size",
            "Representations per _entities call.",
            ["subgraph"],
            buckets=_SIZE_BUCKETS,
        )
        self.statements = Histogram(
            "subgraph_sql_statements_per_request",
            "SQL statements one GraphQL request ran.",
            ["subgraph"],
            buckets=(0, 1, 2, 3, 4, 5, 8, 13, 21, 50),
        )


_metrics: SubgraphMetrics | None = None


@dataclass(slots=True)
class _Request:
    statements: int = 0


_request: ContextVar[_Request | None] = ContextVar("subgraph_request", default=None)


def _count_statement(*_: Any) -> None:
    current = _request.get()
    if current is not None:
        current.statements += 1


class _CountingMiddleware:
    """Counts ``/graphql`` requests and the SQL statements each ran."""

    def __init__(self, app: Any, found: SubgraphMetrics) -> None:
        self.app = app
        self.found = found

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        current = _Request()
        token = _request.set(current)
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)
            name = self.found.subgraph
            self.found.requests.labels(name).inc()
            self.found.statements.labels(name).observe(current.statements)


def instrument(name: str, app: Any) -> Any:
    """``app`` (whose ``state.database`` is the subgraph's store) with SQL statement counting and
    statement spans; call after ``servicekit.telemetry.init_telemetry``."""
    global _metrics
    engine = app.state.database.engine
    tracing.instrument_engine(engine)
    if not metrics.enabled():
        return app
    _metrics = SubgraphMetrics(name)
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
    wrapped = _CountingMiddleware(app, _metrics)
    return wrapped


def entities_batch(size: int) -> None:
    """Observe one ``_entities`` call's number of representations."""
    if _metrics is not None:
        _metrics.entities.labels(_metrics.subgraph).observe(size)


def entities_span(size: int) -> AbstractContextManager[Span]:
    """The ``_entities`` call over ``size`` valid representations (the libraries' resolvers
    answer awaitables: the loads they schedule run as a ``resolver.batch`` span beside it)."""
    return tracing.span("_entities", {"federation.entities.count": size})


def resolver_batch(model: str, keys: int) -> AbstractContextManager[Span]:
    """One dataloader batch: ``keys`` keys of ``model`` loaded with one statement."""
    return tracing.span("resolver.batch", {"db.model": model, "resolver.batch.size": keys})
