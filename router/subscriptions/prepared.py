"""One admitted client subscription, ready to run: the primary fetch to stream from its subgraph,
the rest of the plan to run per event, and the client's response shape.

Everything a query goes through happened before this exists (parse, limits, validation,
variables, introspection switch, demand control, ``@authenticated``/``@requiresScopes``,
planning: :meth:`router.gateway.Gateway.prepare_subscription`); each event then gets what a
query's execution gets: entity fetches with the caller's signed identity, spec value completion
and error handling (:mod:`router.execution`).

With plugins (:mod:`router.plugins`), ``plugins`` is the subscription's run: its
``on_request``/``on_operation``/``on_plan`` hooks and the ``on_subgraph_request`` of the
subgraph subscription ran at subscribe time (:meth:`SubscriptionService.start`); here each
subgraph event goes through ``on_subgraph_response``, each entity fetch through both subgraph
hooks (the executor finds the run, current in the pump task), and each event's response through
``on_response`` (Apollo Router's supergraph response stage sees every response of a stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from router.execution import PlanExecutor, RootShape, ShapeContext
from router.execution.subgraphs import SubgraphAnswer
from router.planning.plan import FetchNode, PlanNode
from router.plugins.chain import PluginRun
from router.request import GraphQLResponse
from router.subscriptions.shared import StreamRequest, SubgraphStreams

__all__ = ["PreparedSubscription"]


@dataclass(frozen=True, slots=True)
class PreparedSubscription:
    executor: PlanExecutor
    primary: FetchNode
    rest: PlanNode | None
    root: RootShape
    variables: Mapping[str, Any]
    inbound_headers: Mapping[str, str]
    identity: Mapping[str, str] | None
    """Signed caller headers for the entity fetches (None: forwarding off)."""
    upstream_url: str
    upstream_headers: Mapping[str, str]
    """Headers of the subgraph WebSocket's upgrade request (propagation rules + identity)."""
    connect_timeout: float
    identity_secret: str | None = None
    errors: tuple[dict[str, Any], ...] = ()
    """Errors of fields authorization removed: repeated in every event, as for a query."""
    covered: tuple[tuple[str, ...], ...] = ()
    first_extensions: Mapping[str, Any] = field(default_factory=dict)
    """Extensions of the first event only: ``apolloQueryPlan`` when the client asked for the
    plan (``Apollo-Expose-Query-Plan``, development mode), as a query's answer carries it."""
    streams: SubgraphStreams | None = None
    """The process's shared subgraph streams (deduplication); None: a stream of its own."""
    upstream_body: Mapping[str, Any] | None = None
    """The subscribe payload as ``on_subgraph_request`` hooks left it (None: no such hook)."""
    plugins: PluginRun | None = None
    """The subscription's plugin run (None without plugins)."""

    def upstream_payload(self) -> dict[str, Any]:
        if self.upstream_body is not None:
            return dict(self.upstream_body)
        fetch = self.primary
        payload: dict[str, Any] = {"query": fetch.operation}
        if fetch.operation_name:
            payload["operationName"] = fetch.operation_name
        variables = {n: self.variables[n] for n in fetch.variable_usages if n in self.variables}
        if variables:
            payload["variables"] = variables
        return payload

    async def responses(self) -> AsyncIterator[GraphQLResponse]:
        """One response per subgraph event; raises ``SubgraphStreamError`` when the subgraph
        refuses or drops the stream."""
        request = StreamRequest(
            self.primary.service_name,
            self.upstream_url,
            self.upstream_payload(),
            self.upstream_headers,
            self.connect_timeout,
            self.identity_secret,
        )
        events = request.open() if self.streams is None else self.streams.events(request)
        first = True
        plugins = self.plugins
        async for received in events:
            answer = received
            if plugins is not None:  # router.plugins: on_subgraph_response, per event
                answer = await plugins.subgraph_answer(
                    self.primary.service_name, received, _failed_event
                )
            result = await self.executor.execute_event(
                self.primary,
                answer,
                self.rest,
                variables=self.variables,
                headers=self.inbound_headers,
                identity=self.identity,
            )
            errors = [*self.errors, *result.errors]
            context = ShapeContext(errors, [*result.covered, *self.covered])
            response = GraphQLResponse(data=self.root.shape(result.data, context), errors=errors)
            if first:
                response.extensions.update(self.first_extensions)
                first = False
            if plugins is not None:  # on_response, per event (a refusal ends the stream)
                response = await plugins.respond(response)
            yield response


def _failed_event(error: dict[str, Any]) -> SubgraphAnswer:
    """An event a plugin refused in ``on_subgraph_response``: its fields null with the error,
    as a refused fetch of a query."""
    return SubgraphAnswer(failure=error)
