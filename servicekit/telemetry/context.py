"""What the telemetry middleware learns about the request in flight, shared with inner code.

The middleware puts a fresh :class:`RequestInfo` in a context variable before calling the app;
the GraphQL layer (router, BFF, subgraph) fills in the operation name, and the access log line
and metrics read it afterwards. Tasks started by the request copy the context, so they see the
same object.

While the request is traced, the middleware also offers its ``SERVER`` span: the GraphQL layer
may :func:`claim_server_span` to put its own attributes on it rather than open a child span per
operation (one SDK span less per request: the router's ``router.request`` attributes live on the
HTTP server span, ``bench telemetry``). Only the first claim gets it, so every further operation
of a batched HTTP request opens its own child span.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from opentelemetry.trace import Span

__all__ = [
    "CLIENT_NAME_HEADER",
    "CLIENT_VERSION_HEADER",
    "RequestInfo",
    "claim_server_span",
    "current_request",
    "set_failure",
    "set_operation_name",
]

CLIENT_NAME_HEADER = "apollographql-client-name"
CLIENT_VERSION_HEADER = "apollographql-client-version"
"""Apollo's client-awareness headers (Apollo Router "Client awareness")."""


@dataclass(slots=True)
class RequestInfo:
    client_name: str | None = None
    client_version: str | None = None
    operation_name: str | None = None
    server_span: Span | None = None
    """The request's recording ``SERVER`` span until the GraphQL layer claims it."""
    failure: str | None = None
    """An application-level failure (a GraphQL outcome) for the claimed server span's status."""
    propagated: tuple[object, dict[str, str]] | None = None
    """The last trace context injected into outbound headers and the OpenTelemetry context it
    came from (:func:`servicekit.telemetry.tracing.propagation_headers`)."""


_current: ContextVar[RequestInfo | None] = ContextVar("servicekit_request_info", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def set_operation_name(name: str | None) -> None:
    """Record the GraphQL operation's name for the access log line."""
    info = _current.get()
    if info is not None:
        info.operation_name = name


def claim_server_span() -> Span | None:
    """The traced request's ``SERVER`` span, once: ``None`` outside a traced HTTP request and
    after the first claim."""
    info = _current.get()
    if info is None or info.server_span is None:
        return None
    span, info.server_span = info.server_span, None
    return span


def set_failure(description: str) -> None:
    """Mark the request as failed at the application level: the middleware sets the claimed
    server span's ERROR status with ``description`` unless the HTTP status is 4xx (the HTTP
    server conventions leave a 4xx server span's status unset; 5xx is ERROR anyway)."""
    info = _current.get()
    if info is not None:
        info.failure = description


def request_context() -> ContextVar[RequestInfo | None]:
    return _current
