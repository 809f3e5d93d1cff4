"""Test plugins loaded by dotted path (``tests.plugins.sample_plugins:Probe``) in the router
process: they report what they saw through response headers, and fail or refuse on demand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from router.plugins import (
    ClientResponse,
    HttpRequest,
    Operation,
    PlanBuilt,
    Rejection,
    RequestContext,
    SubgraphRequest,
    SubgraphResponse,
)

__all__ = ["Probe"]


class Probe:
    """``x-plugin-fail: <hook>`` raises a RuntimeError in that hook, ``x-plugin-reject: <hook>``
    a :class:`Rejection` (``PROBE_REJECTED``, 451), ``x-plugin-reject-fetch: <n>`` refuses the
    n-th subgraph fetch of the request; the response headers tell which tenant the
    subgraphs were sent (``x-probe-subgraph-tenant``), which context values the earlier plugins
    left (``x-probe-context``) and which hooks ran (``x-probe-hooks``)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    def _check(self, context: RequestContext, hook: str) -> None:
        context.values.setdefault("probe.hooks", []).append(hook)
        if context.values.get("probe.fail") == hook:
            raise RuntimeError(f"probe failure in {hook} (a plugin defect)")
        if context.values.get("probe.reject") == hook:
            raise Rejection(f"probe refused in {hook}", "PROBE_REJECTED", status=451)

    async def on_request(self, context: RequestContext, request: HttpRequest) -> None:
        context.values["probe.fail"] = request.headers.get("x-plugin-fail")
        context.values["probe.reject"] = request.headers.get("x-plugin-reject")
        context.values["probe.reject_fetch"] = request.headers.get("x-plugin-reject-fetch")
        self._check(context, "on_request")

    async def on_operation(self, context: RequestContext, operation: Operation) -> None:
        self._check(context, "on_operation")

    async def on_plan(self, context: RequestContext, plan: PlanBuilt) -> None:
        self._check(context, "on_plan")

    async def on_subgraph_request(self, context: RequestContext, request: SubgraphRequest) -> None:
        context.values["probe.subgraph_tenant"] = request.headers.get("x-tenant-id", "-")
        fetches = context.values["probe.fetches"] = context.values.get("probe.fetches", 0) + 1
        if str(fetches) == context.values.get("probe.reject_fetch"):
            raise Rejection(f"probe refused fetch {fetches}", "PROBE_REJECTED", status=451)
        self._check(context, "on_subgraph_request")

    async def on_subgraph_response(
        self, context: RequestContext, response: SubgraphResponse
    ) -> None:
        self._check(context, "on_subgraph_response")

    async def on_response(self, context: RequestContext, response: ClientResponse) -> None:
        hooks = context.values.get("probe.hooks", [])
        context.response_headers["x-probe-hooks"] = ",".join(dict.fromkeys([*hooks, "on_response"]))
        context.response_headers["x-probe-subgraph-tenant"] = str(
            context.values.get("probe.subgraph_tenant", "-")
        )
        seen = sorted(k for k in context.values if not k.startswith("probe."))
        context.response_headers["x-probe-context"] = ",".join(seen) or "-"
        self._check(context, "on_response")
