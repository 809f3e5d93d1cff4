"""The plugin chain and one request's run through it.

:class:`PluginChain` sorts the loaded plugins' hook methods per stage once, at startup; a stage
nobody hooks costs one empty-tuple test. Request-direction hooks (``on_request``,
``on_operation``, ``on_plan``, ``on_subgraph_request``) run in configuration order;
response-direction hooks (``on_subgraph_response``, ``on_response``) in reverse order, so the
first plugin listed is the outermost layer (Apollo Router's tower layers, an onion). The first
:class:`~router.plugins.api.Rejection` stops the chain.

:class:`PluginRun` is one request's state (its :class:`~router.plugins.api.RequestContext`).
The HTTP endpoint starts it (:meth:`PluginChain.execute`) and publishes it in a
:class:`contextvars.ContextVar`, so the gateway's and the executor's hook points find it
without any signature between them changing, and with zero plugins configured there is no run
and every hook point is one ``ContextVar.get``. Concurrent fetches (``asyncio.gather``) copy the
context, so they share the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Protocol, TypeVar

import orjson

from router.plugins.api import (
    ClientResponse,
    HttpRequest,
    Rejection,
    RequestContext,
    SubgraphRequest,
    SubgraphResponse,
)
from router.plugins.loader import LoadedPlugin, load_plugins
from router.plugins.settings import PluginSettings
from router.request import GraphQLRequest, GraphQLResponse, graphql_error
from servicekit.logging import get_logger

__all__ = ["PluginChain", "PluginRefusal", "PluginRun", "current_run"]

_log = get_logger("router.plugins")
Hook = tuple[str, Callable[..., Awaitable[None]]]
_RUN: ContextVar[PluginRun | None] = ContextVar("router_plugin_run", default=None)


def current_run() -> PluginRun | None:
    """The plugin run of the request being served; None when no plugin is configured."""
    return _RUN.get()


class PluginRefusal(Exception):
    """A hook refused (a :class:`Rejection`) or failed: the GraphQL error and HTTP status."""

    def __init__(self, error: dict[str, Any], status: int) -> None:
        super().__init__(error["message"])
        self.error = error
        self.status = status

    def to_response(self) -> GraphQLResponse:
        return GraphQLResponse(errors=[self.error], has_data=False, status_hint=self.status)


class Answer(Protocol):
    """What the executor's subgraph answer has (``router.execution.subgraphs.SubgraphAnswer``)."""

    data: Any
    errors: list[dict[str, Any]]
    failure: dict[str, Any] | None


A = TypeVar("A", bound=Answer)
T = TypeVar("T")


class Executor(Protocol):
    async def execute(self, request: GraphQLRequest) -> GraphQLResponse: ...


def _hooks(plugins: Sequence[LoadedPlugin], name: str) -> tuple[Hook, ...]:
    found: list[Hook] = []
    for loaded in plugins:
        method = getattr(loaded.plugin, name, None)
        if callable(method):
            found.append((loaded.label, method))
    return tuple(found)


class PluginChain:
    """The loaded plugins' hooks per stage (empty tuples for unhooked stages)."""

    def __init__(self, plugins: Sequence[LoadedPlugin] = ()) -> None:
        self.plugins = tuple(plugins)
        self.request = _hooks(plugins, "on_request")
        self.operation = _hooks(plugins, "on_operation")
        self.plan = _hooks(plugins, "on_plan")
        self.subgraph_request = _hooks(plugins, "on_subgraph_request")
        self.subgraph_response = tuple(reversed(_hooks(plugins, "on_subgraph_response")))
        self.response = tuple(reversed(_hooks(plugins, "on_response")))
        self.has_subgraph_hooks = bool(self.subgraph_request or self.subgraph_response)

    @classmethod
    def from_settings(cls, settings: Sequence[PluginSettings]) -> PluginChain:
        return cls(load_plugins(settings))

    @property
    def active(self) -> bool:
        return bool(self.plugins)

    def begin(self, request: GraphQLRequest) -> PluginRun | None:
        """A run for ``request`` (None without plugins): what a transport that is not the
        plain endpoint (a subscription) drives stage by stage."""
        if not self.plugins:
            return None
        return PluginRun(self, RequestContext(request.principal, request.client_ip))

    async def execute(
        self,
        executor: Executor,
        request: GraphQLRequest,
        *,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
    ) -> tuple[GraphQLResponse, Mapping[str, str] | None]:
        """The endpoint's one call: ``on_request``, the core (whose hook points find this run),
        ``on_response``; returns the response and the response headers (``headers``, the
        admission's, plus what plugins set). Without plugins: ``executor.execute`` alone."""
        if not self.plugins:
            return await executor.execute(request), headers
        run = PluginRun(self, RequestContext(request.principal, request.client_ip))
        with run.current():
            response = await run.serve(executor, request, method, path)
        if response.subsequent is not None:  # @defer: later parts are fetched while streaming
            response.subsequent = _within(run, response.subsequent)
        added = run.context.response_headers
        return response, ({**(headers or {}), **added} if added else headers)


class PluginRun:
    """One request's pass through the chain."""

    __slots__ = ("chain", "context")

    def __init__(self, chain: PluginChain, context: RequestContext) -> None:
        self.chain = chain
        self.context = context

    async def call(self, hooks: tuple[Hook, ...], stage: str, argument: object) -> None:
        """Run ``hooks`` in order; raises :class:`PluginRefusal` on a rejection or a failure."""
        for label, hook in hooks:
            try:
                await hook(self.context, argument)
            except Rejection as rejection:
                error = rejection.to_error()
                _log.info("plugin rejected", plugin=label, hook=stage, code=rejection.code)
                raise PluginRefusal(error, rejection.status) from rejection
            except Exception as failure:
                _log.exception("plugin failed", plugin=label, hook=stage)
                message = f"Plugin '{label}' failed in {stage}"
                error = graphql_error(message, "PLUGIN_ERROR", plugin=label, hook=stage)
                raise PluginRefusal(error, 500) from failure

    @contextmanager
    def current(self) -> Iterator[None]:
        """Make this run the current one (the hook points find it) inside the block."""
        token = _RUN.set(self)
        try:
            yield
        finally:
            _RUN.reset(token)

    async def received(self, request: GraphQLRequest, method: str, path: str) -> GraphQLRequest:
        """``on_request``; the request with the inbound headers the hooks left (raises
        :class:`PluginRefusal`)."""
        if not self.chain.request:
            return request
        inbound = dict(request.headers)
        http = HttpRequest(method, path, inbound, request.operation_name, request.extensions)
        await self.call(self.chain.request, "on_request", http)
        return replace(request, headers=inbound)

    async def respond(self, response: GraphQLResponse) -> GraphQLResponse:
        """``on_response``: the response the hooks left (raises :class:`PluginRefusal`)."""
        if not self.chain.response:
            return response
        view = ClientResponse(response)
        await self.call(self.chain.response, "on_response", view)
        return view.response

    async def serve(
        self, executor: Executor, request: GraphQLRequest, method: str, path: str
    ) -> GraphQLResponse:
        try:
            request = await self.received(request, method, path)
            response = await executor.execute(request)
        except PluginRefusal as refused:
            response = refused.to_response()
        try:
            return await self.respond(response)
        except PluginRefusal as refused:
            return refused.to_response()

    async def subgraph_request(
        self, name: str, url: str, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """``on_subgraph_request`` of one subgraph call: the headers and body the hooks left;
        a refusal raises :class:`PluginRefusal` whose error names the subgraph."""
        outgoing = SubgraphRequest(name, url, dict(headers), body)
        try:
            await self.call(self.chain.subgraph_request, "on_subgraph_request", outgoing)
        except PluginRefusal as refused:
            refused.error = _with_service(refused.error, name)
            raise
        return outgoing.headers, outgoing.body

    async def subgraph_answer(
        self, name: str, answer: A, failed: Callable[[dict[str, Any]], A]
    ) -> A:
        """``on_subgraph_response`` of one subgraph answer (a fetch's, or one event of a
        subscription stream); a refusal fails that answer only (``failed(error)``)."""
        if not self.chain.subgraph_response:
            return answer
        view = SubgraphResponse(name, answer.data, answer.errors, answer.failure)
        try:
            await self.call(self.chain.subgraph_response, "on_subgraph_response", view)
        except PluginRefusal as refused:
            return failed(_with_service(refused.error, name))
        answer.data, answer.errors, answer.failure = view.data, view.errors, view.failure
        return answer

    async def subgraph_fetch(
        self,
        name: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        *,
        send: Callable[[dict[str, str], bytes], Awaitable[A]],
        failed: Callable[[dict[str, Any]], A],
    ) -> A:
        """One fetch through ``on_subgraph_request`` / ``on_subgraph_response``; a refusal
        fails this fetch only (``failed(error)``: its fields null with that error)."""
        if self.chain.subgraph_request:
            try:
                headers, payload = await self.subgraph_request(
                    name, url, headers, orjson.loads(body)
                )
            except PluginRefusal as refused:
                return failed(refused.error)
            body = orjson.dumps(payload)
        return await self.subgraph_answer(name, await send(headers, body), failed)


async def _within(run: PluginRun, parts: AsyncIterator[T]) -> AsyncIterator[T]:
    """The ``@defer`` parts, each produced with ``run`` current, so the fetches they make go
    through the subgraph hooks as the primary part's did (the endpoint streams them after its
    call returned)."""
    while True:
        token = _RUN.set(run)
        try:
            part = await anext(parts)
        except StopAsyncIteration:
            return
        finally:
            _RUN.reset(token)
        yield part


def _with_service(error: dict[str, Any], name: str) -> dict[str, Any]:
    extensions = {**error.get("extensions", {}), "service": name}
    return {**error, "extensions": extensions}
