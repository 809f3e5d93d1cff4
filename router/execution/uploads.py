"""The seam between a multipart request's files and the subgraph fetch that takes them (issue
#18, the GraphQL multipart request spec).

The HTTP layer (:mod:`router.http.uploads`) reads ``operations`` and ``map`` and sets
:data:`current_uploads` for the request's execution; the plan executor asks it, for each fetch,
whether the fetch's variables take a file, and if so hands it that fetch's JSON body: the
forwarder puts ``null`` back at the file positions (the spec's ``operations``), the executor
signs that body (the caller's identity is bound to ``operations``), and the forwarder POSTs
``operations``, the fetch's own ``map`` and the files, streamed from the client's request to the
subgraph that owns the ``Upload`` argument. That request goes through what every fetch goes
through except what a consumed stream cannot do: the plugins' subgraph hooks, the replica the
load balancer chooses, the subgraph's circuit breaker and concurrency bound; never a retry (an
upload is a mutation, and its bytes were read once) nor the response cache. A context variable, because the files belong to one
request and every fetch of that request runs in its context (``asyncio.gather`` copies it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from router.execution.subgraphs import Post, SubgraphAnswer

Through = Callable[["Post"], Awaitable["SubgraphAnswer"]]
"""Send an upload's request (``post``) through the subgraph's balancer and guard."""

__all__ = ["Through", "UploadForwarder", "current_uploads"]


class UploadForwarder(Protocol):
    """One multipart request's files, forwarded to the fetches that use them."""

    def used_by(self, variables: Collection[str]) -> bool:
        """Whether a fetch with these variables takes one of the files."""
        ...

    def subgraph_operations(self, body: bytes, variables: Collection[str]) -> bytes:
        """The fetch's JSON body with ``null`` at its file positions (the spec's form)."""
        ...

    async def send(
        self,
        name: str,
        url: str,
        operations: bytes,
        headers: dict[str, str],
        variables: Collection[str],
        *,
        through: Through,
    ) -> SubgraphAnswer:
        """POST the multipart request to the subgraph: ``through(post)`` chooses the replica
        and guards the call (:meth:`router.execution.subgraphs.SubgraphClients.send_unrepeatable`),
        ``post(target)`` sends it there; never raises for its failures."""
        ...


current_uploads: ContextVar[UploadForwarder | None] = ContextVar("current_uploads", default=None)
