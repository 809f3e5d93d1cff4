"""The router core behind the HTTP surface: ``Gateway.execute(GraphQLRequest) -> GraphQLResponse``.

A request goes through a short list of stages (:meth:`Gateway._run` reads as that list), each a
small function with typed input and output; a stage refuses by raising :class:`OperationError`
(a request error) and every check happens in exactly one stage:

1. **document** (cached by text): parse → limits → validate (:mod:`router.operations.documents`:
   size, tokens, then the one-pass operation analysis checked against the structural limits, all
   before graphql-core's validation);
2. **select**: spec "GetOperation", the operation type allowed for this request;
3. **variables**: spec "CoerceVariableValues";
4. **admit**: the introspection switch and the demand-control cost (variables may size lists);
5. **authorize**: ``@authenticated``/``@requiresScopes``, filtering only when the analysis found
   a requirement this caller misses;
6. **plan** (cached by signature, operation name and active override labels);
7. **execute**: introspection locally, the plan against the subgraphs;
8. **shape**: spec "Value Completion" and "Handling Field Errors".

CSRF, authentication and the rate limit run before the body is even parsed, in the HTTP layer's
admission (:mod:`router.security.gate`). A supergraph swap replaces the state the *next* request
reads; requests in flight finish on the state they started with. With ``deduplicate_inbound``,
identical concurrent queries share one execution (:mod:`router.execution.inbound`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode, print_ast

from router import telemetry
from router.caching.headers import apply_cache_headers
from router.config import RouterConfig
from router.execution import (
    ExecutionResult,
    PlanExecutor,
    RootShape,
    ShapeContext,
    Shaper,
    SubgraphClients,
    TypeMatcher,
)
from router.execution.executor import FetchCache
from router.execution.inbound import InboundDeduplicator, identity_headers
from router.execution.incremental import IncrementalDelivery, select_defer
from router.execution.stream import StreamDelivery, active_streams
from router.execution.subgraphs import outbound_headers
from router.limits.checks import check_cost
from router.limits.cost_directives import CostDirectives
from router.operations import (
    DocumentRules,
    LRUCache,
    OperationAnalysis,
    OperationError,
    PreparedDocument,
    coerce_variables,
    execute_introspection,
    prepare_document,
    prepare_document_off_loop,
    select_operation,
)
from router.planning import plan_operation, plan_to_json, print_plan
from router.planning.defer_directive import defer_usage_errors
from router.planning.labels import override_label_chances
from router.planning.plan import DeferNode, QueryPlan
from router.planning.stream_directive import (
    StreamPoint,
    initial_count_errors,
    stream_points,
    stream_usage_errors,
)
from router.plugins import hooks as plugin_hooks
from router.request import GraphQLRequest, GraphQLResponse, graphql_error
from router.resilience import SubgraphGuards
from router.resilience.balancer import LoadBalancer
from router.security.authorization import authorize_operation
from router.security.authorization_rules import AuthorizationRules
from router.security.introspection import check_introspection
from router.subscriptions.plan import split_subscription_plan
from router.subscriptions.prepared import PreparedSubscription
from router.subscriptions.shared import SubgraphStreams
from router.supergraph import Supergraph, load_supergraph
from servicekit.auth.forwarded import SCOPES_HEADER, SIGNATURE_HEADER, USER_ID_HEADER, sign_identity
from servicekit.auth.principal import Principal
from servicekit.logging import get_logger

__all__ = ["Gateway", "Planner"]

Planner = Callable[..., QueryPlan]
"""``plan_operation(supergraph, document, operation_name, *, override_labels)``."""

_log = get_logger("router.gateway")
DOCUMENT_CACHE_SIZE = 2048
DOCUMENT_CACHE_BYTES = 64 * 1024 * 1024
PLAN_CACHE_SIZE = 2048
PLAN_CACHE_BYTES = 32 * 1024 * 1024
WARM_UP_DOCUMENTS = 200


KeyFields = dict[str, dict[str, frozenset[str]]]


def _key_fields(supergraph: Supergraph) -> KeyFields:
    """Per subgraph and type: the top-level fields of its ``@key``s (``@join__type(key:)``)."""
    found: dict[str, dict[str, frozenset[str]]] = {}
    for type_def in supergraph.types.values():
        for graph, in_graph in type_def.graphs.items():
            names = {
                selection.name.value
                for key in in_graph.keys
                for selection in key.selection.selections
                if isinstance(selection, FieldNode)
            }
            if names:
                found.setdefault(graph, {})[type_def.name] = frozenset(names)
    return found


@dataclass(slots=True)
class _State:
    """Everything derived from one supergraph; replaced whole on hot reload."""

    supergraph: Supergraph
    executor: PlanExecutor
    rules: DocumentRules
    documents: LRUCache[str, PreparedDocument]
    plans: LRUCache[tuple[str, str | None, frozenset[str]], _PlanEntry]
    labels: tuple[tuple[str, float], ...]
    identity_headers: tuple[str, ...]
    introspection: bool
    reject_unauthorized: bool

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema


@dataclass(frozen=True, slots=True)
class _PlanEntry:
    plan: QueryPlan
    size: int


@dataclass(frozen=True, slots=True)
class Operation:
    """Stage *select*: the operation to run, its analysis and its compiled shaper."""

    document: DocumentNode
    node: OperationDefinitionNode
    name: str | None
    analysis: OperationAnalysis
    shaper: Shaper
    streams: tuple[StreamPoint, ...] = ()
    """``@stream`` fields (issue #16; :mod:`router.execution.stream`)."""


@dataclass(frozen=True, slots=True)
class Authorized:
    """Stage *authorize*: the document to plan (filtered when fields were removed), its plan
    cache signature, and the errors and paths of what was removed."""

    document: DocumentNode
    signature: str
    size: int
    """The prepared document's weight (the plan cache is bounded by bytes too)."""
    errors: tuple[dict[str, Any], ...] = ()
    unauthorized_paths: tuple[tuple[str, ...], ...] = ()


@dataclass(slots=True)
class Executed:
    """Stage *execute*: subgraph results, introspection answers and the errors so far."""

    result: ExecutionResult
    introspection: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


class Gateway:
    """Plans, executes and shapes GraphQL requests over a supergraph."""

    def __init__(
        self,
        supergraph: Supergraph,
        config: RouterConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        planner: Planner | None = None,
        guards: SubgraphGuards | None = None,
        balancer: LoadBalancer | None = None,
    ) -> None:
        self._config = config
        self._clients = SubgraphClients(
            config, transport=transport, guards=guards, balancer=balancer
        )
        self._planner: Planner = planner or plan_operation
        self._inbound = InboundDeduplicator()
        self._identity_secret = config.identity_forwarding.effective_secret()
        self._fetch_cache: Callable[[KeyFields], FetchCache] | None = None
        self._cache_tags_header: str | None = None
        self.previous_documents: list[str] = []
        """The most used documents of the supergraph before the last swap (plan warm-up)."""
        self._state = self._build_state(supergraph)
        self._swap_listeners: list[Callable[[], None]] = []
        live = config.subscriptions
        self.subgraph_streams = SubgraphStreams(
            deduplicate=live.enable_deduplication,
            replay_latest=live.replay_latest_event,
            max_lag=live.max_lag_events,
        )
        """Subgraph subscription streams shared by identical client subscriptions (issue #16)."""

    @classmethod
    def from_sdl(
        cls,
        sdl: str,
        config: RouterConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        planner: Planner | None = None,
        guards: SubgraphGuards | None = None,
    ) -> Gateway:
        """A gateway over the supergraph SDL ``sdl``."""
        supergraph = load_supergraph(sdl)
        return cls(supergraph, config, transport=transport, planner=planner, guards=guards)

    def _build_state(self, supergraph: Supergraph) -> _State:
        urls = {graph.name: graph.url for graph in supergraph.graphs}
        matcher = TypeMatcher(supergraph.schema)
        key_fields = _key_fields(supergraph)
        executor = PlanExecutor(self._clients, self._config, urls, matcher, key_fields)
        if self._fetch_cache is not None:  # issue #17: router.caching
            executor.cache = self._fetch_cache(key_fields)
        security = self._config.security
        sdl = supergraph.sdl
        rules = DocumentRules(
            supergraph.api_schema,
            security.limits,
            AuthorizationRules.from_sdl(sdl)
            if security.authorization.directives_enabled
            else AuthorizationRules(),
            CostDirectives.from_sdl(sdl),
        )
        return _State(
            supergraph,
            executor,
            rules,
            LRUCache(DOCUMENT_CACHE_SIZE, max_bytes=DOCUMENT_CACHE_BYTES, weigh=_document_size),
            LRUCache(PLAN_CACHE_SIZE, max_bytes=PLAN_CACHE_BYTES, weigh=_plan_size),
            override_label_chances(supergraph, self._config.override_labels),
            identity_headers(self._config, urls),
            security.introspection_enabled(self._config.mode),
            security.authorization.reject_unauthorized,
        )

    def swap_supergraph(self, supergraph: Supergraph) -> None:
        """Hot reload: new requests use ``supergraph``; in-flight ones finish on the old one
        (open subscriptions are ended by their listener, :mod:`router.subscriptions`)."""
        self.previous_documents = self._state.documents.recent(WARM_UP_DOCUMENTS)
        self._state = self._build_state(supergraph)
        for listener in list(self._swap_listeners):
            listener()

    def use_fetch_cache(
        self, factory: Callable[[KeyFields], FetchCache], tags_header: str | None
    ) -> None:
        """Answer query fetches through a response cache (issue #17), built per supergraph
        from its entity keys."""
        self._fetch_cache = factory
        self._cache_tags_header = tags_header
        self._state.executor.cache = factory(_key_fields(self._state.supergraph))

    def warm_plans(self, operations: Iterable[tuple[str, str | None]]) -> int:
        """Plan cache warm-up (issue #17, Apollo Router's ``warmed_up_queries``): prepare and
        plan each (document, operation name) on the current supergraph, as a caller who meets
        every authorization requirement would; how many were planned (bad ones are skipped)."""
        state, planned = self._state, 0
        kinds = frozenset({"query", "mutation", "subscription"})
        for query, name in operations:
            try:
                prepared = _document(state, query)
                request = GraphQLRequest(query, name, allowed_operation_types=kinds)
                operation = _select(state, prepared, request)
                authorized = Authorized(operation.document, prepared.signature, prepared.size)
                self._plan(state, authorized, operation)
            except OperationError:
                continue
            planned += 1
        return planned

    def on_swap(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each supergraph swap."""
        self._swap_listeners.append(listener)

    async def prepare_subscription(self, request: GraphQLRequest) -> PreparedSubscription:
        """Stages 1-6 for a subscription (issue #16), exactly as for a query, the plugin hook
        points included (``on_operation`` decides ``@policy``, then ``on_plan``); raises
        :class:`OperationError` when refused. Execution is per event
        (:meth:`PreparedSubscription.responses`)."""
        state = self._state
        prepared = _document(state, request.query)
        operation = _select(state, prepared, request)
        if operation.node.operation.value != "subscription":
            raise OperationError([graphql_error("Not a subscription", "BAD_REQUEST")])
        variables = coerce_variables(state.api_schema, operation.node, request.variables)
        _admit(state, operation, variables)
        # router.plugins hook point: on_operation (decides @policy; nothing without plugins)
        policies = await plugin_hooks.operation_parsed(
            operation.node, operation.document, variables, operation.analysis.requirements
        )
        authorized = _authorize(
            state, prepared, operation, variables, request.principal, policies=policies
        )
        if any(len(path) == 1 for path in authorized.unauthorized_paths):
            raise OperationError(list(authorized.errors))  # the root field itself: refused
        root = operation.shaper.variant(variables)
        if root.local_only:
            message = "A subscription must select a subscription field"
            raise OperationError([graphql_error(message, "GRAPHQL_VALIDATION_FAILED")])
        plan = self._plan(state, authorized, operation)
        await plugin_hooks.plan_built(plan, operation.name)  # router.plugins hook point
        primary, rest = split_subscription_plan(plan)
        name = primary.service_name
        graph_urls = {graph.name: graph.url for graph in state.supergraph.graphs}
        upstream = outbound_headers(self._config, name, request.headers)
        for transport_only in ("content-type", "accept"):
            upstream.pop(transport_only, None)
        identity = self._identity_headers(request)
        if identity is not None:  # only the router speaks for the caller
            for forged in (USER_ID_HEADER, SCOPES_HEADER, SIGNATURE_HEADER):
                upstream.pop(forged, None)
            upstream.update(identity)  # signed over the upgrade's empty body
        return PreparedSubscription(
            executor=state.executor,
            primary=primary,
            rest=rest,
            root=root,
            variables=variables,
            inbound_headers=request.headers,
            identity=identity,
            upstream_url=self._config.subgraph_url(name, graph_urls.get(name, "")),
            upstream_headers=upstream,
            connect_timeout=self._config.subscriptions.subgraph_connect_timeout_seconds,
            identity_secret=self._identity_secret,
            errors=authorized.errors,
            covered=authorized.unauthorized_paths,
            first_extensions=self._plan_extensions(plan, request),  # issue #16: plan, 1st event
            streams=self.subgraph_streams,
        )

    @property
    def supergraph(self) -> Supergraph:
        return self._state.supergraph

    @property
    def api_schema(self) -> GraphQLSchema:
        return self._state.api_schema

    def subgraph_names(self) -> list[str]:
        return [graph.name for graph in self._state.supergraph.graphs]

    async def aclose(self) -> None:
        await self._clients.aclose()

    def telemetry_stats(self) -> dict[str, int]:
        """Cache sizes, inbound dedup count and shared subscription streams, read by ``router.telemetry`` at scrape time."""
        state = self._state
        return {
            "document_cache_entries": len(state.documents),
            "plan_cache_entries": len(state.plans),
            "inbound_deduplicated": self._inbound.shared,
            "subscription_subgraph_streams": self.subgraph_streams.open_count,
        }

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        """Run one request; bad input is a response with errors, never an exception."""
        state = self._state
        await _prepare_unseen(state, request.query)
        if (
            self._config.deduplicate_inbound
            and plugin_hooks.inbound_sharing_allowed()  # router.plugins: hooks run per request
            and not request.accepts_incremental
            and self._is_query(state, request)
        ):
            key = InboundDeduplicator.key(id(state), request, state.identity_headers)
            if key is not None:
                return await self._inbound.run(key, lambda: self._run(state, request))
        return await self._run(state, request)

    def _is_query(self, state: _State, request: GraphQLRequest) -> bool:
        document = _document(state, request.query).document
        if document is None:
            return False
        try:
            operation = select_operation(document, request.operation_name)
        except OperationError:
            return False
        return operation.operation.value == "query"

    async def _run(self, state: _State, request: GraphQLRequest) -> GraphQLResponse:
        """The pipeline: each line is one stage (see the module docstring)."""
        try:
            prepared = _document(state, request.query)
            operation = _select(state, prepared, request)
            variables = coerce_variables(state.api_schema, operation.node, request.variables)
            if operation.streams:  # issue #16: @stream(initialCount: $n) with n < 0
                _refuse(initial_count_errors(operation.streams, variables), "BAD_USER_INPUT")
            _admit(state, operation, variables)
            # router.plugins hook point: on_operation (decides @policy; nothing without plugins)
            policies = await plugin_hooks.operation_parsed(
                operation.node, operation.document, variables, operation.analysis.requirements
            )
            authorized = _authorize(
                state, prepared, operation, variables, request.principal, policies=policies
            )
            root = operation.shaper.variant(variables)
            with telemetry.stage("router.plan"):
                plan = (
                    QueryPlan(None) if root.local_only else self._plan(state, authorized, operation)
                )
            await plugin_hooks.plan_built(plan, operation.name)  # router.plugins hook point
            defer = select_defer(plan.node, variables) if request.accepts_incremental else None
            # fields removed by authorization: one complete answer, shaped by the client's
            # operation, so they read null with their errors (the RFC allows not deferring)
            if defer is not None and authorized.document is operation.document:
                return await self._deliver(
                    state,
                    defer,
                    plan=plan,
                    authorized=authorized,
                    operation=operation,
                    variables=variables,
                    request=request,
                )
            # issue #16: @stream (router.execution.stream); None: answered without streaming
            if defer is None and request.accepts_incremental and operation.streams:
                streamed = await self._stream(
                    state,
                    plan,
                    authorized=authorized,
                    operation=operation,
                    variables=variables,
                    request=request,
                )
                if streamed is not None:
                    return streamed
            executed = await self._execute(
                state,
                plan=plan,
                root=root,
                operation=operation,
                variables=variables,
                request=request,
            )
            with telemetry.stage("router.shape"):
                response = self._shape(root, authorized, executed, plan, request)
            if self._fetch_cache is not None:  # issue #17: Cache-Control, Cache-Tag
                kind = operation.node.operation.value
                apply_cache_headers(response, executed.result, kind, self._cache_tags_header)
            return response
        except OperationError as refused:
            return refused.to_response()
        except Exception:
            _log.exception("request failed", operation_name=request.operation_name)
            error_dict = graphql_error("Internal server error", "INTERNAL_SERVER_ERROR")
            return GraphQLResponse(data=None, errors=[error_dict])

    async def _deliver(
        self,
        state: _State,
        defer: DeferNode,
        *,
        plan: QueryPlan,
        authorized: Authorized,
        operation: Operation,
        variables: dict[str, Any],
        request: GraphQLRequest,
    ) -> GraphQLResponse:
        """Stages *execute* and *shape* for incremental delivery (``@defer``): the primary
        part now, the deferred ones in ``subsequent`` (:mod:`router.execution.incremental`)."""
        introspection: dict[str, Any] = {}
        errors = list(authorized.errors)
        if operation.shaper.variant(variables).introspection_keys:
            raw = dict(request.variables or {})
            introspection, found = execute_introspection(
                state.api_schema, operation.document, operation.node, raw
            )
            errors.extend(found)
        identity = self._identity_headers(request)
        run = state.executor.begin(variables, request.headers, identity, request.client_ip)
        delivery = IncrementalDelivery(
            defer,
            state.executor,
            run,
            state.api_schema,
            state.executor.matcher,
            variables,
            kind=operation.node.operation,
            introspection=introspection,
        )
        context = ShapeContext(errors, list(authorized.unauthorized_paths), introspection)
        # no router.execute span (issue #13's cost cut): the fetch spans are the request's
        data = await delivery.primary(context)
        response = GraphQLResponse(data=data, errors=errors)
        self._add_plan(response, plan, request)
        if delivery.has_subsequent():
            response.subsequent = delivery.subsequent()
        return response

    async def _stream(
        self,
        state: _State,
        plan: QueryPlan,
        *,
        authorized: Authorized,
        operation: Operation,
        variables: dict[str, Any],
        request: GraphQLRequest,
    ) -> GraphQLResponse | None:
        """Stages *execute* and *shape* for ``@stream``: the initial payload now, the other
        items in ``subsequent``; ``None`` when nothing streams (answered whole instead)."""
        points = active_streams(operation.streams, variables)
        root = operation.shaper.variant(variables)
        if (
            not points
            or authorized.document is not operation.document
            or root.introspection_keys
            or plan.node is None
        ):
            return None
        identity = self._identity_headers(request)
        run = state.executor.begin(variables, request.headers, identity, request.client_ip)
        prepared = StreamDelivery.prepare(
            plan.node,
            points,
            executor=state.executor,
            run=run,
            schema=state.api_schema,
            root=root,
            fragments=_document(state, request.query).fragments,
        )
        if prepared is None:
            return None
        delivery, primary = prepared
        errors = list(authorized.errors)
        context = ShapeContext(errors, list(authorized.unauthorized_paths))
        data = await delivery.initial(primary, context)
        response = GraphQLResponse(data=data, errors=errors)
        self._add_plan(response, plan, request)
        if delivery.has_subsequent():
            response.subsequent = delivery.subsequent()
        return response

    def _add_plan(
        self, response: GraphQLResponse, plan: QueryPlan, request: GraphQLRequest
    ) -> None:
        response.extensions.update(self._plan_extensions(plan, request))

    def _plan_extensions(self, plan: QueryPlan, request: GraphQLRequest) -> dict[str, Any]:
        config = self._config
        if request.include_plan and config.mode == "development" and config.expose_query_plan:
            return {"apolloQueryPlan": {"object": plan_to_json(plan), "text": print_plan(plan)}}
        return {}

    def _plan(self, state: _State, authorized: Authorized, operation: Operation) -> QueryPlan:
        """Stage *plan*: cached by signature, operation name and the override labels drawn."""
        labels = frozenset(label for label, pct in state.labels if random.random() * 100 < pct)
        key = (authorized.signature, operation.name, labels)
        cached = state.plans.get(key)
        telemetry.cache_lookup("plan", cached is not None)
        if cached is not None:
            return cached.plan
        try:
            plan = self._planner(
                state.supergraph, authorized.document, operation.name, override_labels=labels
            )
        except Exception as error:
            _log.exception("query planning failed", operation_name=operation.name)
            raise OperationError(
                [graphql_error(f"Query planning failed: {error}", "QUERY_PLANNING_FAILED")],
                status_hint=500,
            ) from error
        state.plans.put(key, _PlanEntry(plan, authorized.size))
        return plan

    async def _execute(
        self,
        state: _State,
        *,
        plan: QueryPlan,
        root: RootShape,
        operation: Operation,
        variables: dict[str, Any],
        request: GraphQLRequest,
    ) -> Executed:
        """Stage *execute*: introspection from the API schema, then the plan's fetches."""
        executed = Executed(ExecutionResult({}))
        if root.introspection_keys:
            raw = dict(request.variables or {})  # graphql-core coerces them again itself
            executed.introspection, executed.errors = execute_introspection(
                state.api_schema, operation.document, operation.node, raw
            )
        identity = self._identity_headers(request)
        # no router.execute span (issue #13's cost cut): the fetch spans are the request's
        executed.result = await state.executor.execute(
            plan, variables, request.headers, identity, request.client_ip
        )
        return executed

    def _shape(
        self,
        root: RootShape,
        authorized: Authorized,
        executed: Executed,
        plan: QueryPlan,
        request: GraphQLRequest,
    ) -> GraphQLResponse:
        """Stage *shape*: project onto the client's operation. Fields removed by authorization
        are absent, so null; their errors cover them (no extra non-null error there)."""
        errors = [*authorized.errors, *executed.errors, *executed.result.errors]
        covered = [*executed.result.covered, *authorized.unauthorized_paths]
        context = ShapeContext(errors, covered, executed.introspection)
        response = GraphQLResponse(data=root.shape(executed.result.data, context), errors=errors)
        self._add_plan(response, plan, request)
        return response

    def _identity_headers(self, request: GraphQLRequest) -> dict[str, str] | None:
        """Signed caller headers for subgraphs; None when forwarding is off."""
        secret = self._identity_secret
        if secret is None:
            return None
        principal = request.principal
        if principal.subject is None:
            return {}
        return sign_identity(secret, principal.subject, principal.scopes)


async def _prepare_unseen(state: _State, query: str) -> None:
    """Stage *document* for an unseen text: prepared (a large one in a worker thread, so the
    event loop keeps serving others: issue #11) and cached before the synchronous stages run."""
    prepared = state.documents.get(query)
    telemetry.cache_lookup("document", prepared is not None)
    if prepared is None:
        with telemetry.stage("graphql.validate"):
            try:
                prepared = await prepare_document_off_loop(state.rules, query)
            except Exception:  # a defect: _run prepares it again and answers the error
                _log.exception("preparing a document failed")
                return
        state.documents.put(query, prepared)


def _document(state: _State, query: str) -> PreparedDocument:
    """Stage *document*: parse → limits → validate, once per distinct text (normally cached
    by :func:`_prepare_unseen`; prepared here if the cache dropped it meanwhile)."""
    prepared = state.documents.get(query)
    if prepared is None:
        with telemetry.stage("graphql.validate"):
            prepared = prepare_document(state.rules, query)
        state.documents.put(query, prepared)
    if prepared.document is None:
        raise OperationError(list(prepared.errors))
    return prepared


def _select(state: _State, prepared: PreparedDocument, request: GraphQLRequest) -> Operation:
    """Stage *select*: spec "GetOperation", then the operation types this request allows."""
    document, analysis = prepared.document, prepared.analysis
    if document is None or analysis is None:
        raise OperationError(list(prepared.errors))
    node = select_operation(document, request.operation_name)
    _check_operation_type(node, request)
    refused = defer_usage_errors(node, prepared.fragments)
    streams: tuple[StreamPoint, ...] = ()
    if "stream" in request.query:  # issue #16: a cheap test before walking for @stream
        refused += stream_usage_errors(state.api_schema, node, prepared.fragments)
        streams = stream_points(state.api_schema, node, prepared.fragments)
    _refuse(refused, "GRAPHQL_VALIDATION_FAILED")
    name = node.name.value if node.name else None
    found = analysis.operation(name)
    if found is None:
        raise OperationError([graphql_error("Unknown operation", "GRAPHQL_VALIDATION_FAILED")])
    shaper = prepared.per_operation.get(name)
    if not isinstance(shaper, Shaper):
        shaper = Shaper(state.api_schema, node, prepared.fragments)
        prepared.per_operation[name] = shaper
    return Operation(document, node, name, found, shaper, streams)


def _refuse(messages: list[str], code: str) -> None:
    if messages:
        raise OperationError([graphql_error(m, code) for m in messages])


def _admit(state: _State, operation: Operation, variables: dict[str, Any]) -> None:
    """Stage *admit*: the introspection switch, then demand control (the estimate may depend
    on variables; without them it is computed once per document)."""
    refused = check_introspection(
        operation.analysis.uses_introspection, enabled=state.introspection
    )
    if refused is not None:
        raise OperationError.of(refused)
    report = check_cost(operation.analysis.cost, variables, state.rules.limits)
    if report.violation is not None:
        # a request error like a validation error: 400 under graphql-response+json, 200 under
        # application/json (GraphQL-over-HTTP, "Response"); the renderer decides
        raise OperationError([report.violation.to_graphql_error()])


def _authorize(
    state: _State,
    prepared: PreparedDocument,
    operation: Operation,
    variables: dict[str, Any],
    principal: Principal,
    *,
    policies: frozenset[str] = frozenset(),
) -> Authorized:
    """Stage *authorize*: nothing to do unless the caller misses a requirement the analysis
    found; then the filter removes those fields (or refuses, with ``reject_unauthorized``).
    ``policies``: the ``@policy`` names plugins granted to this request."""
    document, size = operation.document, prepared.size
    requirements = operation.analysis.requirements
    authenticated, scopes = principal.is_authenticated, principal.scopes
    if all(r.satisfied_by(authenticated, scopes, policies) for r in requirements):
        return Authorized(document, prepared.signature, size)
    result = authorize_operation(
        state.api_schema,
        state.rules.authorization,
        document,
        operation.name,
        variables,
        principal=principal,
        policies=policies,
    )
    if state.reject_unauthorized:
        rejection = result.rejection()
        if rejection is not None:
            raise OperationError.of(rejection)
    if not result.changed:
        return Authorized(document, prepared.signature, size)
    signature = hashlib.sha256(print_ast(result.document).encode()).hexdigest()
    return Authorized(
        result.document, signature, size, tuple(result.errors()), result.unauthorized_paths
    )


def _check_operation_type(operation: OperationDefinitionNode, request: GraphQLRequest) -> None:
    kind = operation.operation.value
    if kind == "subscription" and kind not in request.allowed_operation_types:
        message = (
            "Subscriptions need a streaming transport: a graphql-transport-ws WebSocket, "
            "Server-Sent Events (Accept: text/event-stream) or multipart HTTP "
            '(Accept: multipart/mixed;subscriptionSpec="1.0").'
        )
        raise OperationError([graphql_error(message, "SUBSCRIPTION_NOT_SUPPORTED")])
    if kind not in request.allowed_operation_types:
        allowed = ", ".join(sorted(request.allowed_operation_types))
        message = (
            f"Operation type '{kind}' is not allowed for this request (allowed: {allowed}); "
            "mutations must be sent with POST."
        )
        raise OperationError([graphql_error(message, "METHOD_NOT_ALLOWED")], status_hint=405)


def _document_size(prepared: PreparedDocument) -> int:
    return prepared.size


def _plan_size(entry: _PlanEntry) -> int:
    return entry.size
