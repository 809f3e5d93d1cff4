"""An ``@policy`` evaluator: decides each policy an operation needs from rules over the verified
token's claims (the role an Apollo Router coprocessor or Rhai script plays for ``@policy``,
:mod:`router.plugins.policy`).

Each policy is a list of conditions, all of which must hold; a condition names a claim and
either ``one_of`` (the claim's value, or any element of a list claim, is one of these) or
``equals`` (exactly this value). A policy without a rule is left undecided, so denied; an
anonymous caller has no claims, so every condition fails.

Configuration (``plugins: [{name: policy_evaluator, config: {...}}]``)::

    policies:
      catalog_staff:
        - {claim: role, one_of: [staff, admin]}
      partner:
        - {claim: partner, equals: true}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from router.plugins.api import Operation, RequestContext

__all__ = ["Condition", "PolicyEvaluator", "PolicyEvaluatorConfig"]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str
    one_of: list[Any] | None = None
    equals: Any = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.one_of is None) == (self.equals is None):
            raise ValueError(f"condition on '{self.claim}' needs exactly one of one_of, equals")
        return self

    def holds(self, claims: Mapping[str, Any]) -> bool:
        if self.claim not in claims:
            return False
        value = claims[self.claim]
        if self.one_of is None:
            return bool(value == self.equals)
        values = value if isinstance(value, list) else [value]
        return any(item in self.one_of for item in values)


class PolicyEvaluatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policies: dict[str, list[Condition]] = Field(default_factory=dict)


class PolicyEvaluator:
    """Implements ``OnOperation``: fills in ``operation.required_policies``."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = PolicyEvaluatorConfig.model_validate(dict(config))

    async def on_operation(self, context: RequestContext, operation: Operation) -> None:
        claims = context.principal.claims
        for name in operation.required_policies:
            conditions = self.config.policies.get(name)
            if conditions is not None:
                operation.required_policies[name] = all(c.holds(claims) for c in conditions)
