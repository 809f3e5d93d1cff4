"""The hook points the router's pipeline calls (one line each in ``router/gateway.py``,
``router/execution/executor.py``; the endpoint calls :meth:`PluginChain.execute`).

Each finds the request's :class:`~router.plugins.chain.PluginRun` (None without plugins: one
``ContextVar.get`` and a return) and turns a refusal into the pipeline's own request error
(:class:`~router.operations.OperationError`, answered without ``data`` and with the plugin's
status).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode

from router.operations import OperationError
from router.plugins.api import Operation, PlanBuilt
from router.plugins.chain import PluginRefusal, current_run
from router.plugins.policy import REQUIRED_POLICIES_KEY, granted_policies, required_policies
from router.security.authorization_rules import Requirement

__all__ = ["inbound_sharing_allowed", "operation_parsed", "plan_built"]

_NONE: frozenset[str] = frozenset()


def inbound_sharing_allowed() -> bool:
    """Identical concurrent requests may share one execution only without plugins: with them,
    each request's hooks (and ``@policy`` decisions) must run for that request."""
    return current_run() is None


async def operation_parsed(
    node: OperationDefinitionNode,
    document: DocumentNode,
    variables: Mapping[str, Any],
    requirements: Iterable[Requirement],
) -> frozenset[str]:
    """``on_operation``; returns the ``@policy`` names granted to this request (none without
    plugins: every ``@policy`` is then denied, as in Apollo Router without a coprocessor)."""
    run = current_run()
    if run is None:
        return _NONE
    decisions = required_policies(requirements)
    if decisions:
        run.context.values[REQUIRED_POLICIES_KEY] = decisions
    hooks = run.chain.operation
    if hooks:
        name = node.name.value if node.name else None
        operation = Operation(name, node.operation.value, document, variables, decisions)
        try:
            await run.call(hooks, "on_operation", operation)
        except PluginRefusal as refused:
            raise OperationError([refused.error], status_hint=refused.status) from refused
        # a hook may have replaced the context entry rather than filled it in
        found = run.context.values.get(REQUIRED_POLICIES_KEY, decisions)
        decisions = found if isinstance(found, dict) else decisions
    return granted_policies(decisions) if decisions else _NONE


async def plan_built(plan: Any, operation_name: str | None) -> None:
    """``on_plan``: the plan about to be executed."""
    run = current_run()
    if run is None or not run.chain.plan:
        return
    try:
        await run.call(run.chain.plan, "on_plan", PlanBuilt(plan, operation_name))
    except PluginRefusal as refused:
        raise OperationError([refused.error], status_hint=refused.status) from refused
