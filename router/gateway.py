"""The router core behind the HTTP surface: ``Gateway.execute(GraphQLRequest) -> GraphQLResponse``.

Per request: parse and validate against the API schema (cached by query text), pick the operation
(spec "GetOperation"), check the operation type is allowed, coerce variables (spec
"CoerceVariableValues"), answer introspection locally, plan (cached by normalized signature,
operation name and active override labels), execute the plan against the subgraphs and shape the
response (spec "Value Completion", "Handling Field Errors"). A supergraph swap replaces the state
the *next* request reads; requests in flight finish on the state they started with. With
``deduplicate_inbound``, identical concurrent queries share one execution
(:mod:`router.execution.inbound`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode, print_ast

from router.config import RouterConfig
from router.execution import PlanExecutor, ShapeContext, Shaper, SubgraphClients, TypeMatcher
from router.execution.inbound import InboundDeduplicator, identity_headers
from router.operations import (
    LRUCache,
    OperationError,
    PreparedDocument,
    coerce_variables,
    execute_introspection,
    prepare_document,
    select_operation,
)
from router.planning import plan_operation, plan_to_json, print_plan
from router.planning.labels import override_label_chances
from router.planning.plan import QueryPlan
from router.request import GraphQLRequest, GraphQLResponse, graphql_error
from router.resilience import SubgraphGuards
from router.security.gate import OperationGate
from router.supergraph import Supergraph, load_supergraph
from servicekit.auth.forwarded import sign_identity
from servicekit.logging import get_logger

__all__ = ["Gateway", "Planner"]

Planner = Callable[..., QueryPlan]
"""``plan_operation(supergraph, document, operation_name, *, override_labels)``."""

_log = get_logger("router.gateway")
DOCUMENT_CACHE_SIZE = 2048
PLAN_CACHE_SIZE = 2048


def _key_fields(supergraph: Supergraph) -> dict[str, dict[str, frozenset[str]]]:
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
    documents: LRUCache[str, PreparedDocument]
    plans: LRUCache[tuple[str, str | None, frozenset[str]], QueryPlan]
    labels: tuple[tuple[str, float], ...]
    identity_headers: tuple[str, ...]
    gate: OperationGate

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema


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
    ) -> None:
        self._config = config
        self._clients = SubgraphClients(config, transport=transport, guards=guards)
        self._planner: Planner = planner or plan_operation
        self._inbound = InboundDeduplicator()
        self._identity_secret = config.identity_forwarding.effective_secret()
        self._state = self._build_state(supergraph)

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
        executor = PlanExecutor(self._clients, self._config, urls, matcher, _key_fields(supergraph))
        return _State(
            supergraph,
            executor,
            LRUCache(DOCUMENT_CACHE_SIZE),
            LRUCache(PLAN_CACHE_SIZE),
            override_label_chances(supergraph, self._config.override_labels),
            identity_headers(self._config, urls),
            OperationGate(
                self._config.security,
                mode=self._config.mode,
                api_schema=supergraph.api_schema,
                supergraph_sdl=supergraph.sdl,
            ),
        )

    def swap_supergraph(self, supergraph: Supergraph) -> None:
        """Hot reload: new requests use ``supergraph``; in-flight ones finish on the old one."""
        self._state = self._build_state(supergraph)

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

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        """Run one request; bad input is a response with errors, never an exception."""
        state = self._state
        if self._config.deduplicate_inbound and self._is_query(state, request):
            key = InboundDeduplicator.key(id(state), request, state.identity_headers)
            if key is not None:
                return await self._inbound.run(key, lambda: self._run(state, request))
        return await self._run(state, request)

    def _is_query(self, state: _State, request: GraphQLRequest) -> bool:
        document = self._prepare(state, request.query).document
        if document is None:
            return False
        try:
            operation = select_operation(document, request.operation_name)
        except OperationError:
            return False
        return operation.operation.value == "query"

    async def _run(self, state: _State, request: GraphQLRequest) -> GraphQLResponse:
        try:
            return await self._execute(state, request)
        except OperationError as error:
            return GraphQLResponse(errors=error.errors, has_data=False)
        except Exception:
            _log.exception("request failed", operation_name=request.operation_name)
            error_dict = graphql_error("Internal server error", "INTERNAL_SERVER_ERROR")
            return GraphQLResponse(data=None, errors=[error_dict])

    def _prepare(self, state: _State, query: str) -> PreparedDocument:
        prepared = state.documents.get(query)
        if prepared is None:
            prepared = prepare_document(state.api_schema, query)
            state.documents.put(query, prepared)
        return prepared

    async def _execute(self, state: _State, request: GraphQLRequest) -> GraphQLResponse:
        prepared = self._prepare(state, request.query)
        if prepared.document is None:
            return GraphQLResponse(errors=list(prepared.errors), has_data=False)
        document = prepared.document
        operation = select_operation(document, request.operation_name)
        rejected = _reject_operation_type(operation, request)
        if rejected is not None:
            return rejected
        variables = coerce_variables(state.api_schema, operation, request.variables)
        operation_name = operation.name.value if operation.name else None
        # issue #8: introspection switch, limits, authorization filter; before any subgraph call
        guarded = state.gate.prepare(document, operation_name, variables, request.principal)
        if guarded.refusal is not None:
            return guarded.refusal
        shaper = prepared.per_operation.get(operation_name)
        if not isinstance(shaper, Shaper):
            shaper = Shaper(state.api_schema, operation, prepared.fragments)
            prepared.per_operation[operation_name] = shaper
        root = shaper.variant(variables)
        errors: list[dict[str, Any]] = list(guarded.errors)
        introspection: dict[str, Any] = {}
        if root.introspection_keys:
            raw = dict(request.variables or {})  # graphql-core coerces them again itself
            introspection, errors = execute_introspection(
                state.api_schema, document, operation, raw
            )
        to_plan = _Planned(prepared.document, prepared.signature)
        if guarded.document is not document:  # fields removed: plan the filtered document
            signature = hashlib.sha256(print_ast(guarded.document).encode()).hexdigest()
            to_plan = _Planned(guarded.document, signature)
        plan = QueryPlan(None) if root.local_only else self._plan(state, to_plan, operation_name)
        if isinstance(plan, GraphQLResponse):
            return plan
        identity = self._identity_headers(request)
        result = await state.executor.execute(plan, variables, request.headers, identity)
        errors.extend(result.errors)
        # the shaper projects onto the client's operation: removed fields are absent, so null;
        # their authorization errors cover them (no extra non-null error at those paths)
        covered = [*result.covered, *guarded.unauthorized_paths]
        data = root.shape(result.data, ShapeContext(errors, covered, introspection))
        response = GraphQLResponse(data=data, errors=errors)
        config = self._config
        if request.include_plan and config.mode == "development" and config.expose_query_plan:
            response.extensions["apolloQueryPlan"] = {
                "object": plan_to_json(plan),
                "text": print_plan(plan),
            }
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

    def _plan(
        self, state: _State, prepared: _Planned, operation_name: str | None
    ) -> QueryPlan | GraphQLResponse:
        labels = frozenset(label for label, pct in state.labels if random.random() * 100 < pct)
        key = (prepared.signature, operation_name, labels)
        plan = state.plans.get(key)
        if plan is None:
            document: DocumentNode | None = prepared.document
            try:
                plan = self._planner(
                    state.supergraph, document, operation_name, override_labels=labels
                )
            except Exception as error:
                _log.exception("query planning failed", operation_name=operation_name)
                return GraphQLResponse.request_error(
                    f"Query planning failed: {error}", "QUERY_PLANNING_FAILED", status_hint=500
                )
            state.plans.put(key, plan)
        return plan


@dataclass(frozen=True, slots=True)
class _Planned:
    """The document to plan and its signature (the plan cache key)."""

    document: DocumentNode | None
    signature: str


def _reject_operation_type(
    operation: OperationDefinitionNode, request: GraphQLRequest
) -> GraphQLResponse | None:
    kind = operation.operation.value
    if kind == "subscription":
        return GraphQLResponse.request_error(
            "Subscriptions are not supported by this router.", "SUBSCRIPTION_NOT_SUPPORTED"
        )
    if kind not in request.allowed_operation_types:
        allowed = ", ".join(sorted(request.allowed_operation_types))
        return GraphQLResponse.request_error(
            f"Operation type '{kind}' is not allowed for this request (allowed: {allowed}); "
            "mutations must be sent with POST.",
            "METHOD_NOT_ALLOWED",
            status_hint=405,
        )
    return None
