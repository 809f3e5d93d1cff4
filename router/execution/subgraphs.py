"""Send one GraphQL request to one subgraph (GraphQL over HTTP, POST JSON) and read its answer.

One pooled transport per subgraph (``servicekit.http1``: httptools over asyncio, aiohttp for
https), sized by
``RouterConfig``, behind one seam (:class:`SubgraphTransport`) and one send path
(:meth:`SubgraphClients.send`: deduplication, guard, deadline, transport) that tests with a mock
transport run too; a total deadline per request (``subgraph_timeout``); header propagation rules
per subgraph; optional sharing of identical in-flight queries (never mutations). Every transport failure becomes a
:class:`SubgraphAnswer` carrying a router error with Apollo Router's codes
(``SUBREQUEST_HTTP_ERROR``, ``SUBREQUEST_MALFORMED_RESPONSE``, ``GATEWAY_TIMEOUT``): a failing
subgraph yields partial data, never a failed request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import httpx
import orjson

from router import telemetry
from router.config import RouterConfig
from router.headers import apply_request_rules, current_sink
from router.request import graphql_error
from router.resilience import (
    CircuitOpenError,
    ConcurrencyLimitError,
    SingleFlight,
    SubgraphGuards,
    TransientStatusError,
)
from router.resilience.balancer import LoadBalancer
from router.resilience.retry import RETRYABLE_STATUSES
from servicekit.http import create_http_client
from servicekit.http1 import Http1Transport

__all__ = [
    "HttpxPost",
    "Post",
    "SubgraphAnswer",
    "SubgraphClients",
    "SubgraphTransport",
    "outbound_headers",
    "transport_failure",
]

Post = Callable[[str], Awaitable[tuple[int, bytes, str | None]]]
"""Send one request to a replica's URL: status, body, ``Cache-Control``."""

_BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


@dataclass(slots=True)
class SubgraphAnswer:
    """A subgraph's ``data`` and ``errors``; ``failure`` is set when the subgraph failed."""

    data: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    cache_control: str | None = None
    """The subgraph's ``Cache-Control`` header (issue #17: merged per response)."""


class _ServerError(Exception):
    """A 5xx answer that is not worth a retry; raised so the circuit breaker counts it."""

    def __init__(self, status: int, content: bytes) -> None:
        super().__init__(f"subgraph answered HTTP {status}")
        self.status = status
        self.content = content


def outbound_headers(config: RouterConfig, name: str, inbound: Mapping[str, str]) -> dict[str, str]:
    """Headers for a request to subgraph ``name``: the legacy per-subgraph list
    (``all_subgraphs.headers``), then the ``headers:`` section's rules (issue #18,
    :mod:`router.headers`: ``all`` first, then the subgraph's)."""
    headers = dict(_BASE_HEADERS)
    for rule in config.subgraph_headers(name):
        if rule.propagate:
            value = inbound.get(rule.propagate.lower())
            if value is not None:
                headers[(rule.rename or rule.propagate).lower()] = value
        elif rule.insert and rule.value is not None:
            headers[rule.insert.lower()] = rule.value
    rules = config.headers.request_rules(name)  # issue #18: Apollo Router's header rules
    if rules:
        apply_request_rules(rules, inbound, headers)
    return headers


class SubgraphTransport(Protocol):
    """The one transport seam: POST bytes, get the status and the body back. Production uses
    :class:`~servicekit.http1.Http1Transport`; tests hand an httpx transport (a
    ``MockTransport``), wrapped by :class:`HttpxPost`, and so run the same path above it."""

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        response_headers: list[tuple[str, str]] | None = None,
        total_timeout: float | None = None,
    ) -> tuple[int, bytes, str | None]:
        """``response_headers``, when given, receives every response header field; returns the
        status, the body and the answer's ``Cache-Control``. ``total_timeout``: the whole
        call's deadline (:class:`TimeoutError` when it passes)."""
        ...

    async def aclose(self) -> None: ...


class HttpxPost:
    """An httpx transport behind the :class:`SubgraphTransport` seam."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        response_headers: list[tuple[str, str]] | None = None,
        total_timeout: float | None = None,
    ) -> tuple[int, bytes, str | None]:
        timeout = httpx.Timeout(None, connect=connect_timeout, read=read_timeout)
        async with asyncio.timeout(total_timeout):
            response = await self._client.post(url, content=body, headers=headers, timeout=timeout)
        if response_headers is not None:
            response_headers.extend(response.headers.multi_items())
        return response.status_code, response.content, response.headers.get("cache-control")

    async def aclose(self) -> None:
        await self._client.aclose()


class SubgraphClients:
    """One pooled transport per subgraph, shared across supergraph reloads, and the one send
    path: deduplication (``all_subgraphs.deduplicate_queries``: identical in-flight queries,
    never mutations, share one request), then the subgraph's guard when ``guards`` are
    configured (circuit breaker, query-only retries of transient failures, concurrency bound),
    then a deadline and the transport."""

    def __init__(
        self,
        config: RouterConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        guards: SubgraphGuards | None = None,
        balancer: LoadBalancer | None = None,
    ) -> None:
        self._config = config
        self._transport = transport
        self._guards = guards
        self.balancer = balancer or LoadBalancer()
        """Replicas per subgraph (issue #19); without pools every URL is used as given."""
        self._transports: dict[str, SubgraphTransport] = {}
        self._flight: SingleFlight[Hashable, tuple[int, bytes, str | None]] = SingleFlight()

    def _transport_for(self, name: str) -> SubgraphTransport:
        found = self._transports.get(name)
        if found is None:
            override = self._config.subgraphs.get(name)
            size = (override.max_connections if override else None) or (
                self._config.all_subgraphs.max_connections
            )
            if self._transport is None:
                found = Http1Transport(max_connections=size)
            else:
                client = create_http_client(
                    timeout_seconds=self._config.subgraph_timeout(name),
                    max_connections=size,
                    transport=self._transport,
                )
                found = HttpxPost(client)
            self._transports[name] = found
        return found

    async def send(
        self, name: str, url: str, body: bytes, headers: dict[str, str], *, mutation: bool
    ) -> SubgraphAnswer:
        """POST ``body`` to the subgraph; never raises for subgraph failures.

        One frame per fetch down to the guard: :meth:`_call` and :meth:`_post` return the
        awaitable of the next layer rather than awaiting it (issue #20)."""
        with telemetry.subgraph_fetch(name) as done:
            cache_control: str | None = None
            sink = current_sink()  # issue #18: response header rules (router.headers)
            received: list[tuple[str, str]] | None = [] if sink and sink.wants(name) else None
            try:
                # A subgraph whose response headers go to the client is never deduplicated:
                # its answer's headers (a Set-Cookie above all) belong to one client request.
                if (
                    mutation
                    or received is not None
                    or not self._config.all_subgraphs.deduplicate_queries
                ):
                    status, content, cache_control = await self._call(
                        name, url, body, headers, mutation=mutation, received=received
                    )
                else:
                    # the bytes themselves, not a digest: hashing bytes is cached on the object
                    # and far cheaper than SHA-256 over every fetch body (a hit: one memcmp)
                    key = (name, url, tuple(sorted(headers.items())), body)
                    status, content, cache_control = await self._flight.do(
                        key, lambda: self._call(name, url, body, headers, mutation=False)
                    )
            except _FAILURES as error:
                failed = _failure_answer(name, error)
                if isinstance(failed, SubgraphAnswer):
                    done(failed.failure)
                    return failed
                status, content = failed
            if sink is not None and received:
                sink.record(name, received)
            answer = _read_answer(name, status, content)
            answer.cache_control = cache_control
            done(answer.failure)
        return answer

    async def send_unrepeatable(self, name: str, url: str, post: Post) -> SubgraphAnswer:
        """One request whose body cannot be sent twice (a file upload streams the client's
        request: issue #18): ``post(target)`` to the replica the load balancer chooses, under
        the subgraph's guard as a mutation (circuit breaker, concurrency bound; never retried,
        never deduplicated). Failures become answers as for every fetch; whatever else ``post``
        raises propagates."""
        with telemetry.subgraph_fetch(name) as done:
            try:
                status, content, _ = await telemetry.timed_request(
                    name,
                    self._guarded(name, lambda: self.balancer.call(name, url, post), mutation=True),
                )
            except _FAILURES as error:
                failed = _failure_answer(name, error)
                if isinstance(failed, SubgraphAnswer):
                    done(failed.failure)
                    return failed
                status, content = failed
            answer = _read_answer(name, status, content)
            done(answer.failure)
        return answer

    def _call(
        self,
        name: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        mutation: bool,
        received: list[tuple[str, str]] | None = None,
    ) -> Awaitable[tuple[int, bytes, str | None]]:
        """Through the subgraph's guard when there is one (its failures raise, so the breaker
        counts them and transient ones are retried), timed for the subgraph's latency metric
        (inside deduplication: once per request the subgraph receives)."""
        guards = self._guards
        if guards is None:
            return telemetry.timed_request(name, self._post(name, url, body, headers, received))
        attempt = partial(self._post, name, url, body, headers, received)
        kind = "mutation" if mutation else "query"
        call = guards[name].call(attempt, operation_type=kind, check=_checked)
        return telemetry.timed_request(name, call)

    async def _guarded(
        self,
        name: str,
        post: Callable[[], Awaitable[tuple[int, bytes, str | None]]],
        *,
        mutation: bool,
    ) -> tuple[int, bytes, str | None]:
        """``post()`` under the subgraph's guard, when there is one; queries only are retried
        (:mod:`router.resilience.retry`)."""
        if self._guards is None:
            return await post()

        async def attempt() -> tuple[int, bytes, str | None]:
            return _checked(await post())

        kind = "mutation" if mutation else "query"
        return await self._guards[name].call(attempt, operation_type=kind)

    def _post(
        self,
        name: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        received: list[tuple[str, str]] | None = None,
    ) -> Awaitable[tuple[int, bytes, str | None]]:
        """One attempt: the transport's post under the subgraph's total deadline (connect
        fails sooner; no read timeout: one as long as the total can never fire first, and the
        transport would re-arm it on every chunk), to the replica the balancer chooses."""
        if received:
            received.clear()  # a retry's answer replaces the failed attempt's
        timeout = self._config.subgraph_timeout(name)
        headers = telemetry.outbound_headers(headers)
        transport = self._transport_for(name)
        connect = min(timeout, 5.0)
        if not self.balancer.pooled(name):  # no replicas: nothing to choose, nothing to record
            return transport.post(
                url,
                body,
                headers,
                connect_timeout=connect,
                read_timeout=None,
                response_headers=received,
                total_timeout=timeout,
            )

        def post(target: str) -> Awaitable[tuple[int, bytes, str | None]]:
            return transport.post(
                target,
                body,
                headers,
                connect_timeout=connect,
                read_timeout=None,
                response_headers=received,
                total_timeout=timeout,
            )

        return self.balancer.call(name, url, post)

    async def aclose(self) -> None:
        transports, self._transports = self._transports, {}
        await asyncio.gather(*(transport.aclose() for transport in transports.values()))


def _checked(answer: tuple[int, bytes, str | None]) -> tuple[int, bytes, str | None]:
    """A guarded attempt's answer; 5xx raised so the breaker counts it (502/503/504 retried)."""
    status, content, _ = answer
    if status in RETRYABLE_STATUSES:
        raise TransientStatusError(status)
    if status >= 500:
        raise _ServerError(status, content)
    return answer


_FAILURES = (
    _ServerError,
    TransientStatusError,
    CircuitOpenError,
    ConcurrencyLimitError,
    TimeoutError,
    httpx.HTTPError,
)
"""What a guarded call raises for a subgraph failure (:func:`_failure_answer` reads them)."""


def _failure_answer(name: str, error: Exception) -> SubgraphAnswer | tuple[int, bytes]:
    """A failure as the router's error, or the status and body to read (a 5xx answer)."""
    if isinstance(error, _ServerError):
        return error.status, error.content
    if isinstance(error, TransientStatusError):
        return error.status_code, b""
    if isinstance(error, CircuitOpenError | ConcurrencyLimitError):
        return SubgraphAnswer(failure=error.to_graphql_error())
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return SubgraphAnswer(
            failure=graphql_error(
                "Your request has been timed out", "GATEWAY_TIMEOUT", service=name
            )
        )
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return _http_failure(name, reason)


def _http_failure(name: str, reason: str) -> SubgraphAnswer:
    message = f"HTTP fetch failed from '{name}': {reason}"
    return SubgraphAnswer(
        failure=graphql_error(message, "SUBREQUEST_HTTP_ERROR", service=name, reason=reason)
    )


def _read_answer(name: str, status: int, content: bytes) -> SubgraphAnswer:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    if not 200 <= status < 300:
        answer = _http_failure(name, f"{status}: {httpx.codes.get_reason_phrase(status)}")
        answer.errors = errors
        return answer
    if not isinstance(body, dict) or ("data" not in body and not errors):
        reason = "expected a JSON object with data or errors"
        message = f"service '{name}' response was malformed: {reason}"
        return SubgraphAnswer(
            failure=graphql_error(
                message, "SUBREQUEST_MALFORMED_RESPONSE", service=name, reason=reason
            )
        )
    return SubgraphAnswer(data=body.get("data"), errors=errors)


def transport_failure(name: str, reason: str) -> SubgraphAnswer:
    """``SUBREQUEST_HTTP_ERROR`` for a request that got no answer (file uploads, issue #18)."""
    return _http_failure(name, reason)
