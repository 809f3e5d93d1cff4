"""Introspection switched off (production default): an operation selecting ``__schema`` or
``__type`` anywhere (through fragments too: the operation analysis finds it) is refused before
execution, as Apollo Router does with ``supergraph.introspection: false``; ``__typename`` stays
allowed (clients need it).
"""

from __future__ import annotations

from router.request import GraphQLResponse

__all__ = ["INTROSPECTION_DISABLED", "check_introspection"]

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"


def check_introspection(uses_introspection: bool, *, enabled: bool) -> GraphQLResponse | None:
    """None when the operation may run, else the request error (no ``data``: 400 under
    ``application/graphql-response+json``, 200 under ``application/json``)."""
    if enabled or not uses_introspection:
        return None
    return GraphQLResponse.request_error(
        "GraphQL introspection is not allowed, but the query contained __schema or __type",
        INTROSPECTION_DISABLED,
    )
