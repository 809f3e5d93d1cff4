"""Operation limits (document size, tokens, depth, aliases, root fields, variables, field-merging
comparisons, estimated cost) as checks over the operation analysis, and per-client rate limiting
in Redis; their settings in :mod:`router.limits.settings`."""

from __future__ import annotations

from router.limits.checks import LimitReport, check_cost, check_structure, check_text
from router.limits.cost import CostDirectiveError, CostField, CostTree
from router.limits.cost_directives import CostDirectives, ListSize
from router.limits.errors import LimitExceeded
from router.limits.rate_limit import (
    RateLimitDecision,
    RedisRateLimiter,
    check_request_rate,
    client_key,
)
from router.limits.settings import LimitsSettings, RateLimitRule, RateLimitSettings

__all__ = [
    "CostDirectiveError",
    "CostDirectives",
    "CostField",
    "CostTree",
    "LimitExceeded",
    "LimitReport",
    "LimitsSettings",
    "ListSize",
    "RateLimitDecision",
    "RateLimitRule",
    "RateLimitSettings",
    "RedisRateLimiter",
    "check_cost",
    "check_request_rate",
    "check_structure",
    "check_text",
    "client_key",
]
