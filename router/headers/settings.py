"""The ``headers:`` section: header rules both ways, in Apollo Router's and Hive Router's format.

Requests to subgraphs follow Apollo Router's header propagation model
(https://www.apollographql.com/docs/graphos/routing/header-propagation)::

    headers:
      all:                      # every subgraph, applied first
        request:
          - propagate: {named: x-tenant, rename: x-tenant-id, default: public}
          - propagate: {matching: "^x-trace-.*"}
          - remove: {named: x-internal}
          - remove: {matching: "^x-debug-.*"}
          - insert: {name: x-router, value: edge-1}
      subgraphs:                # then the named subgraph's rules
        products:
          request: [...]
          response: [...]

Responses to clients (Apollo Router has no such rules: its issue 1284; this is Hive Router's
``response`` list, same rule shapes, with ``algorithm`` saying how values of several subgraphs
merge: ``first``, ``last`` or ``append``). ``Set-Cookie`` is never merged into one line: each
value stays its own header field (RFC 6265 section 3; RFC 9110 section 5.3 names it as the field
that cannot be combined).

``propagate.matching`` and ``remove.matching`` are Python regular expressions searched in the
lower-cased name (Apollo's ``is_match``). Rules run in order: a ``remove`` sees what the rules
before it produced.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "HeaderRuleList",
    "HeadersSettings",
    "InsertRule",
    "PropagateRule",
    "RemoveRule",
    "Rule",
    "SubgraphHeaderRules",
]


def _valid_pattern(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"matching {pattern!r}: {error}") from error
    return pattern


class _NamedOrMatching(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    named: str | None = None
    matching: str | None = None

    _valid = field_validator("matching")(_valid_pattern)

    @model_validator(mode="after")
    def _one_selector(self) -> _NamedOrMatching:
        if (self.named is None) == (self.matching is None):
            raise ValueError("give exactly one of 'named' or 'matching'")
        return self


class PropagateSpec(_NamedOrMatching):
    rename: str | None = None
    """Only with ``named`` (Apollo's rule)."""
    default: str | None = None
    """Only with ``named``: the value sent when the source has none."""
    algorithm: Literal["first", "last", "append"] | None = None
    """Response rules only: how several subgraphs' values merge (Hive Router's option);
    ``None``: ``append`` for ``Set-Cookie`` (every cookie reaches the client), else ``last``."""

    @model_validator(mode="after")
    def _named_only_options(self) -> PropagateSpec:
        if self.matching is not None and (self.rename is not None or self.default is not None):
            raise ValueError("'rename' and 'default' need 'named', not 'matching'")
        return self


class PropagateRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    propagate: PropagateSpec


class RemoveRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    remove: _NamedOrMatching


class InsertSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    value: str


class InsertRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    insert: InsertSpec


Rule = PropagateRule | RemoveRule | InsertRule


class HeaderRuleList(BaseModel):
    """``request`` rules (client → subgraph) and ``response`` rules (subgraph → client)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: tuple[Rule, ...] = ()
    response: tuple[Rule, ...] = ()


SubgraphHeaderRules = HeaderRuleList


class HeadersSettings(BaseModel):
    """The whole ``headers:`` section (rules are compiled once, :func:`router.headers.rules.compiled`)."""

    model_config = ConfigDict(extra="forbid")

    all: HeaderRuleList = Field(default_factory=HeaderRuleList)
    subgraphs: dict[str, HeaderRuleList] = Field(default_factory=dict)

    def request_rules(self, subgraph: str) -> tuple[Rule, ...]:
        own = self.subgraphs.get(subgraph)
        return self.all.request + (own.request if own else ())

    def response_rules(self, subgraph: str) -> tuple[Rule, ...]:
        own = self.subgraphs.get(subgraph)
        return self.all.response + (own.response if own else ())

    @property
    def has_response_rules(self) -> bool:
        return bool(self.all.response) or any(r.response for r in self.subgraphs.values())
