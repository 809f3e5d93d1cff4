"""The limit checks as the gateway runs them, for tests: the operation analysis (one visit per
document) measured, then :mod:`router.limits.checks` over its numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLSchema, build_schema

from router.limits.checks import LimitReport, check_cost, check_structure
from router.limits.cost_directives import CostDirectives
from router.limits.errors import LimitExceeded
from router.limits.settings import LimitsSettings
from router.operations.analysis import OperationAnalysis, analyze_document
from router.security.authorization_rules import AuthorizationRules

__all__ = ["ANY_SCHEMA", "estimate_cost", "limit_report", "measure", "structure_violation"]

ANY_SCHEMA = build_schema("type Query { unused: Int }")
"""For the structural measures, which do not need the fields to exist."""


def measure(
    document: DocumentNode,
    operation_name: str | None = None,
    *,
    schema: GraphQLSchema = ANY_SCHEMA,
    directives: CostDirectives | None = None,
) -> OperationAnalysis | None:
    analysis = analyze_document(
        schema, document, rules=AuthorizationRules(), directives=directives or CostDirectives()
    )
    return analysis.operation(operation_name)


def estimate_cost(
    schema: GraphQLSchema,
    directives: CostDirectives,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    default_list_size: int = 10,
) -> float:
    found = measure(document, operation_name, schema=schema, directives=directives)
    assert found is not None
    return found.cost.estimate(variables, default_list_size=default_list_size)


def structure_violation(
    document: DocumentNode, settings: LimitsSettings, operation_name: str | None = None
) -> LimitExceeded | None:
    analysis = analyze_document(
        ANY_SCHEMA, document, rules=AuthorizationRules(), directives=CostDirectives()
    )
    chosen = [o for o in analysis.operations if o.name == operation_name] or analysis.operations
    return check_structure(chosen, analysis.merge_comparisons, settings)


def limit_report(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    settings: LimitsSettings,
    schema: GraphQLSchema,
    cost_directives: CostDirectives,
) -> LimitReport:
    """Structural limits, then the cost: the order of the gateway's stages."""
    analysis = analyze_document(
        schema, document, rules=AuthorizationRules(), directives=cost_directives
    )
    violation = check_structure(analysis.operations, analysis.merge_comparisons, settings)
    if violation is not None:
        return LimitReport(violation, None)
    found = analysis.operation(operation_name)
    assert found is not None
    return check_cost(found.cost, variables, settings)
