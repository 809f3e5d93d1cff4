"""What the HTTP surface needs from the router core: one coroutine, request in, response out.

``router.gateway.Gateway`` satisfies :class:`Executor`; the HTTP layer depends on this protocol
only, so it runs no GraphQL of its own and can be exercised over any executor.
"""

from __future__ import annotations

from typing import Protocol

from router.request import GraphQLRequest, GraphQLResponse

__all__ = ["Executor"]


class Executor(Protocol):
    """Runs a well-formed request; never raises for bad input (request errors are responses)."""

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse: ...
