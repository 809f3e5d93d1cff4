"""All operation limits in one call, in the order that costs least first (root fields, aliases,
depth, then the schema-aware cost estimate), so the HTTP layer or gateway needs one line.

The first violation wins. With ``cost_mode: measure`` (Apollo's demand-control *measure* mode) an
over-budget estimate is reported in :attr:`LimitReport.estimated_cost` but does not refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLSchema

from router.limits.aliases import check_aliases, check_root_fields
from router.limits.cost import CostDirectiveError, estimate_cost
from router.limits.cost_directives import CostDirectives
from router.limits.depth import check_depth
from router.limits.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    COST_QUERY_PARSE_FAILURE,
    LimitExceeded,
)
from router.security.settings import LimitsSettings

__all__ = ["LimitReport", "check_operation_limits"]


@dataclass(frozen=True, slots=True)
class LimitReport:
    """``violation`` is None when the operation may run; the cost is None when not estimated."""

    violation: LimitExceeded | None
    estimated_cost: float | None


def check_operation_limits(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    settings: LimitsSettings,
    schema: GraphQLSchema | None = None,
    cost_directives: CostDirectives | None = None,
) -> LimitReport:
    """Structural limits always; the cost estimate when a schema is given."""
    for violation in (
        check_root_fields(document, operation_name, settings.max_root_fields),
        check_aliases(document, operation_name, settings.max_aliases),
        check_depth(document, operation_name, settings.max_depth),
    ):
        if violation is not None:
            return LimitReport(violation, None)
    if schema is None:
        return LimitReport(None, None)
    try:
        cost = estimate_cost(
            schema,
            cost_directives or CostDirectives(),
            document,
            operation_name,
            variables,
            default_list_size=settings.default_list_size,
        )
    except CostDirectiveError as error:
        return LimitReport(LimitExceeded(COST_QUERY_PARSE_FAILURE, str(error), None, None), None)
    if cost <= settings.max_cost or settings.cost_mode == "measure":
        return LimitReport(None, cost)
    message = f"The estimated cost of the operation ({cost:g}) is more than the limit ({settings.max_cost:g})."
    return LimitReport(
        LimitExceeded(COST_ESTIMATED_TOO_EXPENSIVE, message, cost, settings.max_cost), cost
    )
