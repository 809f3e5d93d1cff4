"""What the telemetry middleware learns about the request in flight, shared with inner code.

The middleware puts a fresh :class:`RequestInfo` in a context variable before calling the app;
the GraphQL layer (router, BFF, subgraph) fills in the operation name, and the access log line
and metrics read it afterwards. Tasks started by the request copy the context, so they see the
same object.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

__all__ = [
    "CLIENT_NAME_HEADER",
    "CLIENT_VERSION_HEADER",
    "RequestInfo",
    "current_request",
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


_current: ContextVar[RequestInfo | None] = ContextVar("servicekit_request_info", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def set_operation_name(name: str | None) -> None:
    """Record the GraphQL operation's name for the access log line."""
    info = _current.get()
    if info is not None:
        info.operation_name = name


def request_context() -> ContextVar[RequestInfo | None]:
    return _current
