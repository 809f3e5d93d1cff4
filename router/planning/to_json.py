"""``plan_to_json``: a plan in the JSON shape of Apollo's query plans.

The shape Apollo Router returns in ``extensions.apolloQueryPlan.object``: nodes tagged by
``kind`` (``Fetch``, ``Flatten``, ``Sequence``, ``Parallel``, ``Condition``), fetches with
``serviceName``, ``variableUsages``, ``operation``, ``operationName``, ``operationKind``,
``requires``, ``inputRewrites`` and ``outputRewrites``.
"""

from __future__ import annotations

from typing import Any

from router.planning.plan import (
    ConditionNode,
    DeferNode,
    DeferredDeferBlock,
    FetchNode,
    FetchRewrite,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RequiresField,
    RequiresSelection,
    SequenceNode,
    ValueSetter,
)
from router.planning.printer import format_path
from router.planning.subscription import subscription_parts

__all__ = ["plan_to_json"]


def _requires(selections: tuple[RequiresSelection, ...]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for selection in selections:
        if isinstance(selection, RequiresField):
            item: dict[str, Any] = {"kind": "Field", "name": selection.name}
            if selection.selections:
                item["selections"] = _requires(selection.selections)
            result.append(item)
        else:
            result.append(
                {
                    "kind": "InlineFragment",
                    "typeCondition": selection.type_condition,
                    "selections": _requires(selection.selections),
                }
            )
    return result


def _rewrite(rewrite: FetchRewrite) -> dict[str, Any]:
    if isinstance(rewrite, ValueSetter):
        return {
            "kind": "ValueSetter",
            "path": list(rewrite.path),
            "setValueTo": rewrite.set_value_to,
        }
    return {"kind": "KeyRenamer", "path": list(rewrite.path), "renameKeyTo": rewrite.rename_key_to}


def _fetch(node: FetchNode) -> dict[str, Any]:
    result: dict[str, Any] = {
        "kind": "Fetch",
        "serviceName": node.service_name,
        "variableUsages": list(node.variable_usages),
        "operation": node.operation,
        "operationKind": node.operation_kind,
        "operationName": node.operation_name,
    }
    if node.requires is not None:
        result["requires"] = _requires(node.requires)
    if node.input_rewrites:
        result["inputRewrites"] = [_rewrite(r) for r in node.input_rewrites]
    if node.output_rewrites:
        result["outputRewrites"] = [_rewrite(r) for r in node.output_rewrites]
    if node.context_rewrites:
        result["contextRewrites"] = [_rewrite(r) for r in node.context_rewrites]
    if node.id is not None:
        result["id"] = node.id
    return result


def _node(node: PlanNode | None) -> dict[str, Any] | None:
    match node:
        case None:
            return None
        case FetchNode():
            return _fetch(node)
        case FlattenNode(path=path, node=inner, more_paths=more):
            flatten: dict[str, Any] = {
                "kind": "Flatten",
                "path": format_path(path).split("."),
                "node": _fetch(inner),
            }
            if more:
                flatten["paths"] = [format_path(p).split(".") for p in (path, *more)]
            return flatten
        case SequenceNode(nodes=nodes):
            return {"kind": "Sequence", "nodes": [_node(n) for n in nodes]}
        case ParallelNode(nodes=nodes):
            return {"kind": "Parallel", "nodes": [_node(n) for n in nodes]}
        case ConditionNode(condition=variable, if_clause=then, else_clause=otherwise):
            result: dict[str, Any] = {"kind": "Condition", "condition": variable}
            if then is not None:
                result["ifClause"] = _node(then)
            if otherwise is not None:
                result["elseClause"] = _node(otherwise)
            return result
        case DeferNode(primary=primary, deferred=deferred):
            return {
                "kind": "Defer",
                "primary": {
                    "subselection": _one_line(primary.subselection),
                    "node": _node(primary.node),
                },
                "deferred": [_deferred(block) for block in deferred],
            }
    raise TypeError(f"not a plan node: {node!r}")


def _one_line(subselection: str) -> str:
    """``{ a { b } }``: Apollo's one-line form of a subselection."""
    return " ".join(line.strip() for line in subselection.splitlines())


def _deferred(block: DeferredDeferBlock) -> dict[str, Any]:
    """Apollo's ``DeferredNode``: ``depends`` (fetch ids, labels), ``label``, ``queryPath``."""
    depends: list[dict[str, Any]] = []
    for dependency in block.depends:
        entry: dict[str, Any] = {"id": dependency.id}
        if dependency.defer_label is not None:
            entry["deferLabel"] = dependency.defer_label
        depends.append(entry)
    result: dict[str, Any] = {"depends": depends, "queryPath": list(block.query_path)}
    if block.subselection is not None:
        result["subselection"] = _one_line(block.subselection)
    result["node"] = _node(block.node)
    if block.label is not None:
        result["label"] = block.label
    return result


def plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    """``{"kind": "QueryPlan", "node": ...}`` (``node`` is ``None`` when nothing is fetched); a
    subscription's root is Apollo's ``{"kind": "Subscription", "primary", "rest"?}``."""
    parts = subscription_parts(plan.node)
    if parts is None:
        return {"kind": "QueryPlan", "node": _node(plan.node)}
    node: dict[str, Any] = {"kind": "Subscription", "primary": _fetch(parts.primary)}
    if parts.rest:
        node["rest"] = {"kind": "Sequence", "nodes": [_node(n) for n in parts.rest]}
    return {"kind": "QueryPlan", "node": node}
