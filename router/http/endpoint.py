"""The ``/graphql`` endpoint: GraphQL-over-HTTP in, :class:`GraphQLRequest` to the core, out again.

Implements GraphQL-over-HTTP, sections "Request" (GET and POST; ``OPTIONS`` is answered 204
with ``Allow``, CORS preflights never get here: :mod:`servicekit.cors`; other methods 405 with
``Allow``), "Accept" (406; ``multipart/mixed`` for ``@defer``: :mod:`router.http.multipart`), "GET" (queries only: the core answers a mutation over GET with
``status_hint=405``, sent with ``Allow: POST``), "POST" (415, 400, 413) and "Response" (see
:mod:`router.http.render`); Apollo's APQ (:mod:`router.http.apq`); a browser GET is answered with
GraphiQL when it is enabled. The whole request runs under one deadline
(``traffic_shaping.router.timeout_seconds``): past it the answer is 504 ``GATEWAY_TIMEOUT``, as
Apollo Router answers. The client address is resolved once (:mod:`router.http.client_ip`). In
production, "Did you mean ...?" hints are stripped from every error message
(:mod:`servicekit.suggestions`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace

from starlette.requests import Request
from starlette.responses import Response

from router.config import BatchingConfig, FileUploadsConfig
from router.headers import HeadersSettings, ResponseHeaderSink, collecting
from router.http.admission import admit, needs_operation_name
from router.http.apq import ApqStore, resolve_query
from router.http.batching import Batch, batch_response, parse_batch, run_batch
from router.http.client_ip import ClientIpResolver
from router.http.errors import HttpError
from router.http.executor import Executor
from router.http.graphiql import graphiql_page
from router.http.multipart import DEFER_SPEC, accepts_incremental, multipart_response
from router.http.negotiation import GRAPHQL_RESPONSE_JSON, choose_media_type, prefers_html
from router.http.params import (
    RequestParams,
    check_json_content_type,
    params_from_body,
    params_from_query_string,
    read_limited,
)
from router.http.redaction import ClientErrors, Redaction
from router.http.render import error_response, graphql_response
from router.http.trusted import resolve_trusted
from router.http.uploads import UploadHandler, is_multipart
from router.plugins.chain import PluginChain
from router.request import GraphQLRequest, GraphQLResponse
from router.resilience.deadline import request_deadline
from router.security.gate import Admission, RequestGate
from router.trusted import TrustedDocuments
from servicekit.auth.principal import ANONYMOUS
from servicekit.client_address import ClientAddressSettings

__all__ = ["EndpointOptions", "GraphQLEndpoint", "wants_query_plan"]

PLAN_HEADERS = ("apollo-expose-query-plan", "apollo-query-plan-experimental")
_TRUTHY = ("true", "1", "dry-run")
ALLOWED_METHODS = "GET, POST, OPTIONS"
TIMED_OUT = "Your request has been timed out"


@dataclass(frozen=True, slots=True)
class EndpointOptions:
    """What the endpoint exposes; derived from ``RouterConfig`` by :func:`router.http.app`."""

    max_body_bytes: int
    graphiql: bool
    expose_query_plan: bool
    path: str = "/graphql"
    mask_suggestions: bool = False
    """Strip "Did you mean ...?" from error messages (production mode)."""
    timeout_seconds: float | None = None
    """The deadline of one whole request; None: unbounded."""
    client_address: ClientAddressSettings = field(default_factory=ClientAddressSettings)
    # issue #18 (edge-trust): trusted documents, response header rules, error redaction
    trusted: TrustedDocuments | None = None
    headers: HeadersSettings = field(default_factory=HeadersSettings)
    redaction: Redaction | None = None
    plugins: PluginChain = field(default_factory=PluginChain)
    """The configured plugins (:mod:`router.plugins`); empty: none."""
    batching: BatchingConfig = field(default_factory=BatchingConfig)
    """Issue #18: JSON arrays of operations (:mod:`router.http.batching`)."""
    file_uploads: FileUploadsConfig = field(default_factory=FileUploadsConfig)
    """Issue #18: the GraphQL multipart request spec (:mod:`router.http.uploads`)."""


def wants_query_plan(request: Request) -> bool:
    """Apollo Router's header (``Apollo-Expose-Query-Plan: true``), or its older experimental one."""
    return any(request.headers.get(name, "").lower() in _TRUTHY for name in PLAN_HEADERS)


def _with_subgraph_headers(response: Response, sink: ResponseHeaderSink | None) -> Response:
    """Append what the response header rules took from subgraph answers (each ``Set-Cookie``
    its own field line: ``MutableHeaders.append`` never joins)."""
    if sink is not None:
        for name, value in sink.fields():
            response.headers.append(name, value)
    return response


def _inbound_headers(request: Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():  # names are lower-cased by Starlette
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class GraphQLEndpoint:
    """The endpoint bound to an executor and an (optional) APQ store; route ``handle``."""

    def __init__(
        self,
        executor: Executor,
        apq: ApqStore | None,
        options: EndpointOptions,
        gate: RequestGate | None = None,
    ) -> None:
        self.executor = executor
        self.apq = apq
        self.options = options
        self._client_errors = ClientErrors(options.redaction, options.mask_suggestions)
        """What clients may see of errors (issue #18), built once, not per request."""
        self.gate = gate
        self.client_ip = ClientIpResolver(options.client_address)
        self.uploads = UploadHandler(options.file_uploads) if options.file_uploads.enabled else None

    async def handle(self, request: Request) -> Response:
        """The Starlette endpoint (request in, response out)."""
        accept = request.headers.get("accept")
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"allow": ALLOWED_METHODS})
        if request.method not in ("GET", "POST"):
            return error_response(
                HttpError(
                    405,
                    f"Method {request.method} is not allowed: use GET (queries) or POST",
                    "METHOD_NOT_ALLOWED",
                    headers={"allow": ALLOWED_METHODS},
                ),
                choose_media_type(accept),
            )
        if request.method == "GET" and self._is_browser_navigation(request, accept):
            return graphiql_page(self.options.path, show_query_plan=self.options.expose_query_plan)
        incremental = accepts_incremental(accept)
        json_type = choose_media_type(accept)
        if json_type is None and not incremental:
            return error_response(
                HttpError(
                    406,
                    "Not Acceptable: accept application/graphql-response+json, application/json "
                    f"or multipart/mixed;deferSpec={DEFER_SPEC}",
                    "INVALID_ACCEPT_HEADER",
                ),
                None,
            )
        media_type = json_type or GRAPHQL_RESPONSE_JSON
        deadline = None
        try:
            async with request_deadline(self.options.timeout_seconds) as deadline:
                return await self._serve(
                    request, media_type, incremental=incremental, multipart_only=json_type is None
                )
        except TimeoutError:
            if deadline is None or not deadline.expired():
                raise
            timed_out = GraphQLResponse.request_error(TIMED_OUT, "GATEWAY_TIMEOUT", status_hint=504)
            return graphql_response(timed_out, media_type)

    async def _serve(
        self, request: Request, media_type: str, *, incremental: bool, multipart_only: bool
    ) -> Response:
        """Everything after content negotiation; the response header rules (issue #18) collect
        the subgraphs' answer headers around it, every operation of a batch included."""
        with collecting(self.options.headers) as sink:
            response = await self._serve_collected(
                request, media_type, incremental=incremental, multipart_only=multipart_only
            )
        return _with_subgraph_headers(response, sink)

    async def _serve_collected(
        self, request: Request, media_type: str, *, incremental: bool, multipart_only: bool
    ) -> Response:
        """Everything after content negotiation, under the request's deadline.

        ``incremental``: the client accepts ``multipart/mixed`` (``@defer`` answers stream);
        ``multipart_only``: and nothing else, so even a complete answer goes as one part."""
        headers = _inbound_headers(request)
        client_ip = self.client_ip.resolve(request, headers)
        admission: Admission | None = None
        if self.gate is not None and not needs_operation_name(self.gate):
            admission = await admit(
                self.gate, request.method, headers, client_ip, None
            )  # before the body
            if admission.refusal is not None:
                return graphql_response(admission.refusal, media_type, admission.headers)
        if self.uploads is not None and is_multipart(request.headers.get("content-type")):
            # issue #18: the GraphQL multipart request spec, files streamed to the subgraph
            run = functools.partial(self._run_one, request, headers, client_ip, incremental=False)
            late = self._admit_late(admission, request.method, headers, client_ip)
            return await self.uploads.serve(request, media_type, run, late)
        try:
            params = await self._params(request)
        except HttpError as error:
            return error_response(error, media_type)
        if isinstance(params, Batch):  # issue #18: client request batching
            bodies, extra_headers = await run_batch(
                params,
                functools.partial(self._run_one, request, headers, client_ip, incremental=False),
                self._batch_admit(request.method, headers, client_ip),
                admission,
            )
            return batch_response(bodies, media_type, extra_headers)
        if self.gate is not None and admission is None:
            admission = await admit(
                self.gate, request.method, headers, client_ip, params.operation_name
            )
            if admission.refusal is not None:
                return graphql_response(admission.refusal, media_type, admission.headers)
        try:
            response = await self._run_one(
                request, headers, client_ip, params, admission, incremental=incremental
            )
        except HttpError as error:
            return error_response(error, media_type)
        extra = admission.headers if admission else None
        if response.subsequent is not None or (
            multipart_only and response.has_data and response.status_hint is None
        ):
            return multipart_response(response, extra, timeout_seconds=self.options.timeout_seconds)
        return graphql_response(response, media_type, extra)

    def _batch_admit(
        self, method: str, headers: dict[str, str], client_ip: str | None
    ) -> Callable[[str | None], Awaitable[Admission]] | None:
        """Each further operation of a batch goes through the gate as its own request."""
        gate = self.gate
        if gate is None:
            return None

        async def admit_one(operation_name: str | None) -> Admission:
            return await admit(gate, method, headers, client_ip, operation_name)

        return admit_one

    def _admit_late(
        self,
        admission: Admission | None,
        method: str,
        headers: dict[str, str],
        client_ip: str | None,
    ) -> Callable[[str | None], Awaitable[Admission | None]]:
        """The admission of a request whose operation name had to be read first (uploads)."""

        async def late(operation_name: str | None) -> Admission | None:
            if self.gate is None or admission is not None:
                return admission
            return await admit(self.gate, method, headers, client_ip, operation_name)

        return late

    async def _run_one(
        self,
        request: Request,
        headers: dict[str, str],
        client_ip: str | None,
        params: RequestParams,
        admission: Admission | None,
        *,
        incremental: bool,
    ) -> GraphQLResponse:
        """One admitted operation: trusted documents or APQ (raise :class:`HttpError`), the
        plugins and the core, redaction, masking."""
        query = await self.resolve_document(params, headers)
        graphql_request = GraphQLRequest(
            query=query,
            operation_name=params.operation_name,
            variables=params.variables,
            extensions=params.extensions,
            headers=headers,
            include_plan=self.options.expose_query_plan and wants_query_plan(request),
            allowed_operation_types=(
                frozenset({"query"})
                if request.method == "GET"
                else frozenset({"query", "mutation"})
            ),
            principal=admission.principal if admission is not None else ANONYMOUS,
            client_ip=client_ip,
            accepts_incremental=incremental,
        )
        return await self.run_request(
            graphql_request,
            method=request.method,
            path=request.url.path,
            headers=admission.headers if admission else None,
        )

    async def run_request(
        self,
        graphql_request: GraphQLRequest,
        *,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
    ) -> GraphQLResponse:
        """The plugins and the core, redaction, masking: every transport's one query or
        mutation (the plain endpoint, and one sent over SSE or a WebSocket)."""
        # router.plugins hook point: on_request, the core, on_response (no plugins: the
        # executor alone)
        response, extra = await self.options.plugins.execute(
            self.executor, graphql_request, method=method, path=path, headers=headers
        )
        if self.options.plugins.active and extra:  # what the plugins set for the client
            response = replace(response, headers={**response.headers, **extra})
        # issue #18: redaction; production: no schema hints
        return self._client_errors(response)

    async def resolve_document(self, params: RequestParams, headers: Mapping[str, str]) -> str:
        """The document text to run, for every transport (plain, SSE, multipart, WebSocket):
        the client's trusted documents when configured (issue #18: a safelist holds whatever
        the transport), else APQ; raises :class:`HttpError` refusals."""
        if self.options.trusted is not None:
            return await resolve_trusted(self.options.trusted, params, headers, self.apq)
        return await resolve_query(params.query, params.extensions, self.apq)

    def _is_browser_navigation(self, request: Request, accept: str | None) -> bool:
        if not self.options.graphiql or not prefers_html(accept):
            return False
        return "query" not in request.query_params and "extensions" not in request.query_params

    async def _params(self, request: Request) -> RequestParams | Batch:
        if request.method == "GET":
            return params_from_query_string(request.query_params)
        content_type = request.headers.get("content-type")
        body = await read_limited(
            request.stream(), request.headers.get("content-length"), self.options.max_body_bytes
        )
        check_json_content_type(content_type)
        batch = parse_batch(body, self.options.batching)  # issue #18: a JSON array
        return batch if batch is not None else params_from_body(content_type, body)
