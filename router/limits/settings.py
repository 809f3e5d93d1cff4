"""Configuration of the operation limits and of rate limiting (``security.limits`` and
``security.rate_limit`` in the router's YAML), next to the code that enforces them.

Defaults follow Apollo Router where it has one (``limits.max_depth``, ``max_aliases``,
``max_root_fields``, ``parser_max_tokens``; demand control enforcing). The cheap limits
(document bytes, tokens, variables, merge comparisons, aliases, root fields, depth) are checked
before graphql-core's validation, whose OverlappingFieldsCanBeMerged rule (spec section 5.3.2)
is quadratic in the fields sharing a response key: a few hundred duplicated fields held the event
loop for seconds (issue #11).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LimitsSettings", "RateLimitRule", "RateLimitSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitsSettings(_Strict):
    """Operation limits and demand control (the request body's size is the HTTP layer's)."""

    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_root_fields: int = Field(default=20, ge=1)
    max_document_bytes: int = Field(default=65_536, ge=1)
    """UTF-8 length of the document text, checked before the lexer runs."""
    max_tokens: int = Field(default=2_000, ge=1)
    """graphql-core's ``parse(max_tokens=...)``: parsing stops at the first token past it. The
    benchmark operation has 93, GraphiQL's schema query about 170."""
    max_variables: int = Field(default=100, ge=0)
    """Variable definitions per operation (each unused one is a validation error, and
    graphql-core locates every error by rescanning the source)."""
    max_merge_comparisons: int = Field(default=400, ge=0)
    """Pairs of selections that the field-merging rule compares in the document: fields sharing a
    response key in one selection set, fragment spreads with each other and with the set's
    fields. The benchmark operation needs 15."""
    max_cost: float = Field(default=5000.0, gt=0)
    default_list_size: int = Field(default=5, ge=0)
    """Assumed length of lists without ``@listSize``: 5 keeps the benchmark operation (4 nested
    lists) at an estimate of 1860, well under ``max_cost``; 10 would put it near 24,000."""
    cost_mode: Literal["enforce", "measure"] = "enforce"


class RateLimitRule(_Strict):
    """``requests`` per ``per_seconds``, refilled continuously (token bucket)."""

    requests: int = Field(ge=1)
    per_seconds: float = Field(gt=0)


class RateLimitSettings(_Strict):
    """Per client (token subject, else IP), plus per (client, operation name) for the operations
    named in ``per_operation``; shared through Redis."""

    anonymous: RateLimitRule | None = None
    """The budget of each client IP without a verified token."""
    authenticated: RateLimitRule | None = None
    """The budget of each verified subject (token ``sub``), whatever its IP."""
    per_operation: dict[str, RateLimitRule] = Field(default_factory=dict)
    """Extra budgets for named operations (e.g. ``PlaceOrder``), on top of the client's budget."""
    fail_closed: bool = False
    """When Redis is unreachable: False lets requests through (with a warning), True refuses."""
    key_prefix: str = "ratelimit"

    @property
    def enabled(self) -> bool:
        return (
            self.anonymous is not None or self.authenticated is not None or bool(self.per_operation)
        )
