"""Inbound request deduplication (``RouterConfig.deduplicate_inbound``): identical queries that
arrive while one is executing share its execution, as Hive Gateway's
``inboundInflightRequestDeduplication`` does. Mutations are never shared.

Identical means: same supergraph, query text, operation name, variables, plan flag, caller
(principal subject and scopes) and the values of every inbound header that reaches a subgraph
(plus ``authorization``; every header when a ``headers:`` pattern rule propagates some), so
callers with different identities never see each other's answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any

import orjson

from router.config import RouterConfig
from router.headers.settings import PropagateRule
from router.request import EncodedData, GraphQLRequest, GraphQLResponse

__all__ = ["EVERY_HEADER", "InboundDeduplicator", "identity_headers"]

EVERY_HEADER = "*"
"""In :func:`identity_headers`: a ``propagate.matching`` rule exists, so every inbound header
is part of the sharing key (which of them a pattern forwards is not known by name)."""


def identity_headers(config: RouterConfig, names: Iterable[str]) -> tuple[str, ...]:
    """Inbound header names that can change an answer: every propagated one, ``authorization``."""
    found = {"authorization"}
    for name in names:
        for rule in config.subgraph_headers(name):
            if rule.propagate:
                found.add(rule.propagate.lower())
        for apollo_rule in config.headers.request_rules(name):  # issue #18: ``headers:``
            if isinstance(apollo_rule, PropagateRule):
                spec = apollo_rule.propagate
                found.add(spec.named.lower() if spec.named else EVERY_HEADER)
    return tuple(sorted(found))


class InboundDeduplicator:
    """Shares one in-flight execution per key; every caller gets its own response object."""

    def __init__(self) -> None:
        self._in_flight: dict[Hashable, asyncio.Future[GraphQLResponse]] = {}
        self.shared = 0
        """How many requests were answered by another request's execution."""

    @staticmethod
    def key(scope: int, request: GraphQLRequest, header_names: tuple[str, ...]) -> Hashable | None:
        """The sharing key, or ``None`` when the variables are not plain JSON."""
        try:
            variables = orjson.dumps(request.variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        if EVERY_HEADER in header_names:  # a pattern rule may propagate any of them
            headers: tuple[Any, ...] = tuple(sorted(request.headers.items()))
        else:
            headers = tuple(request.headers.get(name) for name in header_names)
        caller = (request.principal.subject, tuple(sorted(request.principal.scopes)))
        return (
            scope,
            request.query,
            request.operation_name,
            variables,
            headers,
            caller,
            request.include_plan,
        )

    async def run(
        self, key: Hashable, execute: Callable[[], Awaitable[GraphQLResponse]]
    ) -> GraphQLResponse:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(execute())
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        else:
            self.shared += 1
        response = await asyncio.shield(task)
        return _copy(response)


def _copy(response: GraphQLResponse) -> GraphQLResponse:
    """A response of its own (``data`` is shared: nothing mutates it after shaping, so its JSON
    is encoded once for every sharer: :class:`router.request.EncodedData`)."""
    extensions: Mapping[str, Any] = response.extensions
    if response.shared_data is None and response.has_data:
        response.shared_data = EncodedData(response.data)
    return GraphQLResponse(
        data=response.data,
        errors=list(response.errors),
        extensions=dict(extensions),
        has_data=response.has_data,
        status_hint=response.status_hint,
        shared_data=response.shared_data,
    )
