"""A header-based tenant guard: the ``x-tenant`` header a client sends must name the tenant its
verified token belongs to (a claim, ``tenant`` by default).

- ``on_request``: a header that differs from the verified claim, or a header sent without a
  verified token, is refused with 403 ``TENANT_MISMATCH``; with ``require_tenant`` a request
  without a tenant (header or claim) is refused with 400 ``TENANT_REQUIRED``. The tenant goes
  into the context (``tenant``) for later hooks.
- ``on_subgraph_request``: subgraphs get the *verified* tenant in ``subgraph_header`` (whatever
  header of that name the client sent is replaced), so they can scope their data by it.
- ``on_response``: the tenant is echoed in the ``x-tenant`` response header.

Configuration (``plugins: [{name: tenant_guard, config: {...}}]``)::

    header: x-tenant          # the client's header
    claim: tenant             # the verified token's claim
    require_tenant: false
    subgraph_header: x-tenant-id
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from router.plugins.api import (
    ClientResponse,
    HttpRequest,
    Rejection,
    RequestContext,
    SubgraphRequest,
)

__all__ = ["TenantGuard", "TenantGuardConfig"]

_CONTEXT_KEY = "tenant"


class TenantGuardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header: str = "x-tenant"
    claim: str = "tenant"
    require_tenant: bool = False
    subgraph_header: str = "x-tenant-id"


class TenantGuard:
    """Implements ``OnRequest``, ``OnSubgraphRequest`` and ``OnResponse``."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = TenantGuardConfig.model_validate(dict(config))

    async def on_request(self, context: RequestContext, request: HttpRequest) -> None:
        config = self.config
        sent = request.headers.get(config.header.lower())
        claimed = context.principal.claims.get(config.claim)
        verified = str(claimed) if claimed is not None else None
        if sent is not None and sent != verified:
            raise Rejection(
                f"The {config.header} header does not match the tenant of the verified token",
                "TENANT_MISMATCH",
                status=403,
            )
        if verified is None and config.require_tenant:
            raise Rejection("A tenant is required", "TENANT_REQUIRED", status=400)
        if verified is not None:
            context.values[_CONTEXT_KEY] = verified

    async def on_subgraph_request(self, context: RequestContext, request: SubgraphRequest) -> None:
        name = self.config.subgraph_header.lower()
        request.headers.pop(name, None)  # never the client's own copy
        tenant = context.values.get(_CONTEXT_KEY)
        if tenant is not None:
            request.headers[name] = tenant

    async def on_response(self, context: RequestContext, response: ClientResponse) -> None:
        tenant = context.values.get(_CONTEXT_KEY)
        if tenant is not None:
            context.response_headers["x-tenant"] = tenant
