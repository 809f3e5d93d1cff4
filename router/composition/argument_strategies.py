"""How directive arguments combine when several subgraphs apply the same directive.

Ports federation-internals' ``argumentCompositionStrategies``: ``@requiresScopes(scopes:)`` and
``@policy(policies:)`` use DNF_CONJUNCTION (every subgraph's requirement must hold, subsumed
alternatives dropped), ``@cost(weight:)`` uses MAX, ``@listSize`` uses NULLABLE_MAX for
``assumedSize``, NULLABLE_UNION for ``slicingArguments``/``sizedFields`` and NULLABLE_AND (default
true) for ``requireOneSlicingArgument``.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLError, parse_value, value_from_ast_untyped

from router.composition.model import Applied

__all__ = ["STRATEGIES", "combine", "dnf_conjunction"]

STRATEGIES = frozenset({"requiresScopes", "policy", "cost", "listSize"})
_DNF_ARGUMENT = {"requiresScopes": "scopes", "policy": "policies"}


def _arguments(applied: Applied) -> dict[str, Any]:
    try:
        value = value_from_ast_untyped(parse_value("{" + applied.args[1:-1] + "}"))
    except GraphQLError:
        return {}
    return value if isinstance(value, dict) else {}


def _js_key(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _deduplicate_subsumed(values: list[list[str]]) -> list[list[str]]:
    result: list[list[str]] = []
    for candidate in sorted(values, key=len):
        if not any(set(kept) <= set(candidate) for kept in result):
            result.append(candidate)
    return result


def dnf_conjunction(values: list[list[list[str]]]) -> list[list[str]]:
    """Apollo's ``dnfConjunction`` over each subgraph's disjunction of conjunctions."""
    normalized: list[list[list[str]]] = []
    seen: set[str] = set()
    for value in values:
        copy = sorted((sorted(inner) for inner in value or [[]]), key=_js_key)
        if _js_key(copy) not in seen:
            seen.add(_js_key(copy))
            normalized.append(copy)
    if not normalized:
        return []
    result = normalized[0]
    for current in normalized[1:]:
        accumulator: list[list[str]] = []
        keys: set[str] = set()
        for left in result:
            for right in current:
                candidate = sorted([*left, *(e for e in right if e not in left)])
                if _js_key(candidate) not in keys:
                    keys.add(_js_key(candidate))
                    accumulator.append(candidate)
        result = _deduplicate_subsumed(accumulator)
    return result


def _render(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _list_size(applications: list[Applied]) -> Applied:
    args = [_arguments(a) for a in applications]
    sizes = [a["assumedSize"] for a in args if a.get("assumedSize") is not None]
    merged: list[tuple[str, object]] = [("assumedSize", max(sizes) if sizes else None)]
    for name in ("slicingArguments", "sizedFields"):
        lists = [a[name] for a in args if a.get(name) is not None]
        union = list(dict.fromkeys(v for values in lists for v in values)) if lists else None
        merged.append((name, union))
    requires = [a.get("requireOneSlicingArgument", True) for a in args]
    merged.append(("requireOneSlicingArgument", all(r is not False for r in requires)))
    rendered = ", ".join(f"{k}: {_render(v)}" for k, v in merged if v is not None)
    return Applied("listSize", f"({rendered})")


def combine(name: str, applications: list[Applied]) -> Applied:
    """The one application the supergraph gets from every subgraph's application of ``name``."""
    if name in _DNF_ARGUMENT:
        argument = _DNF_ARGUMENT[name]
        values = [_arguments(a).get(argument) or [] for a in applications]
        return Applied(name, f"({argument}: {json.dumps(dnf_conjunction(values))})")
    if name == "cost":
        weights = [w for a in applications if isinstance(w := _arguments(a).get("weight"), int)]
        return Applied("cost", f"(weight: {max(weights)})") if weights else applications[0]
    return _list_size(applications)
