"""Apply header rules: client request → subgraph request, subgraph responses → client response.

Semantics (Apollo Router's header propagation, Hive Router's response rules):

- ``propagate.named``: the client's (request) or the subgraph's (response) value, sent under
  ``rename`` when given, ``default`` when there is none;
- ``propagate.matching``: every header whose lower-cased name the regular expression finds
  (``re.search``), except the reserved ones below, under its own name;
- ``remove``: drops what the rules before it produced (by name or by pattern);
- ``insert``: a fixed value.

Reserved names (hop-by-hop headers, RFC 9110 section 7.6.1, and the framing and negotiation
headers the router sets itself: ``content-type``, ``content-length``, ``accept``, ``host``...)
are never propagated, inserted or removed by a rule, as Apollo Router never propagates hop-by-hop
headers: a rule must not break the HTTP exchange it rides on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from router.headers.settings import InsertRule, PropagateRule, RemoveRule, Rule

__all__ = [
    "RESERVED_REQUEST",
    "RESERVED_RESPONSE",
    "CompiledRule",
    "Selected",
    "apply_request_rules",
    "compiled",
    "select_response_headers",
]

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
RESERVED_REQUEST = _HOP_BY_HOP | {
    "content-length",
    "content-type",
    "content-encoding",
    "host",
    "accept",
    "accept-encoding",
}
RESERVED_RESPONSE = _HOP_BY_HOP | {
    "content-length",
    "content-type",
    "content-encoding",
    "date",
    "server",
}


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule, ready to apply: ``kind`` is ``propagate``, ``remove`` or ``insert``."""

    kind: str
    named: str | None = None
    pattern: re.Pattern[str] | None = None
    rename: str | None = None
    default: str | None = None
    value: str | None = None
    algorithm: str | None = None

    def merge(self, name: str) -> str:
        """How values of ``name`` from several subgraphs merge (``Set-Cookie``: all kept)."""
        if self.algorithm is not None:
            return self.algorithm
        return "append" if name == "set-cookie" else "last"

    def matches(self, name: str) -> bool:
        if self.named is not None:
            return name == self.named
        return self.pattern is not None and self.pattern.search(name) is not None


def _compile(rule: Rule) -> CompiledRule:
    if isinstance(rule, PropagateRule):
        spec = rule.propagate
        return CompiledRule(
            "propagate",
            named=spec.named.lower() if spec.named else None,
            pattern=re.compile(spec.matching) if spec.matching is not None else None,
            rename=spec.rename.lower() if spec.rename else None,
            default=spec.default,
            algorithm=spec.algorithm,
        )
    if isinstance(rule, RemoveRule):
        selector = rule.remove
        return CompiledRule(
            "remove",
            named=selector.named.lower() if selector.named else None,
            pattern=re.compile(selector.matching) if selector.matching is not None else None,
        )
    if isinstance(rule, InsertRule):
        return CompiledRule("insert", named=rule.insert.name.lower(), value=rule.insert.value)
    raise TypeError(f"not a header rule: {rule!r}")


@lru_cache(maxsize=1024)
def compiled(rules: tuple[Rule, ...]) -> tuple[CompiledRule, ...]:
    """The rules compiled once per distinct list (settings models are frozen, so hashable)."""
    return tuple(_compile(rule) for rule in rules)


def apply_request_rules(
    rules: tuple[Rule, ...], inbound: Mapping[str, str], outbound: dict[str, str]
) -> None:
    """Apply ``rules`` to ``outbound`` (lower-cased names) from the client's ``inbound`` headers."""
    for rule in compiled(rules):
        if rule.kind == "propagate":
            if rule.named is not None:
                value = inbound.get(rule.named, rule.default)
                target = rule.rename or rule.named
                if value is not None and target not in RESERVED_REQUEST:
                    outbound[target] = value
            else:
                for name, value in inbound.items():
                    if name not in RESERVED_REQUEST and rule.matches(name):
                        outbound[name] = value
        elif rule.kind == "remove":
            for name in [n for n in outbound if n not in RESERVED_REQUEST and rule.matches(n)]:
                del outbound[name]
        elif (
            rule.named is not None and rule.value is not None and rule.named not in RESERVED_REQUEST
        ):
            outbound[rule.named] = rule.value  # insert


@dataclass(frozen=True, slots=True)
class Selected:
    """A header a subgraph's response contributes to the client's, with its merge algorithm."""

    name: str
    value: str
    algorithm: str


def select_response_headers(
    rules: tuple[Rule, ...], received: Iterable[tuple[str, str]]
) -> list[Selected]:
    """What one subgraph's response headers (every field, repeated names kept) give the client."""
    fields = [(name.lower(), value) for name, value in received]
    out: list[Selected] = []
    for rule in compiled(rules):
        if rule.kind == "propagate":
            if rule.named is not None:
                target = rule.rename or rule.named
                if target in RESERVED_RESPONSE:
                    continue
                values = [value for name, value in fields if name == rule.named]
                if not values and rule.default is not None:
                    values = [rule.default]
                out.extend(Selected(target, value, rule.merge(target)) for value in values)
            else:
                out.extend(
                    Selected(name, value, rule.merge(name))
                    for name, value in fields
                    if name not in RESERVED_RESPONSE and rule.matches(name)
                )
        elif rule.kind == "remove":
            out = [s for s in out if not rule.matches(s.name)]
        elif (
            rule.named is not None
            and rule.value is not None
            and rule.named not in RESERVED_RESPONSE
        ):  # insert
            out = [s for s in out if s.name != rule.named]
            out.append(Selected(rule.named, rule.value, "last"))
    return out
