"""Operation limits: depth, aliases, root fields and estimated cost (pure checks over the parsed
operation), and per-client rate limiting in Redis."""

from __future__ import annotations

from router.limits.aliases import check_aliases, check_root_fields, count_aliases, count_root_fields
from router.limits.cost import CostDirectiveError, check_cost, estimate_cost
from router.limits.cost_directives import CostDirectives, ListSize
from router.limits.depth import check_depth, measure_depth
from router.limits.errors import LimitExceeded
from router.limits.rate_limit import (
    RateLimitDecision,
    RedisRateLimiter,
    check_request_rate,
    client_key,
)

__all__ = [
    "CostDirectiveError",
    "CostDirectives",
    "LimitExceeded",
    "ListSize",
    "RateLimitDecision",
    "RedisRateLimiter",
    "check_aliases",
    "check_cost",
    "check_depth",
    "check_request_rate",
    "check_root_fields",
    "client_key",
    "count_aliases",
    "count_root_fields",
    "estimate_cost",
    "measure_depth",
]
