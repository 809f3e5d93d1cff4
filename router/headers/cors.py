"""CORS reads the ``headers:`` section too, so one list of rules describes both.

A browser's script sees only the response headers ``Access-Control-Expose-Headers`` names
(Fetch standard, "CORS-safelisted response-header name"), and may send only the request headers a
preflight allowed. So the header names the ``response`` rules give the client (``named``
propagations, under their ``rename``, and ``insert``s) are added to ``cors.expose_headers``, and
the names the ``request`` rules read from the client (``propagate.named``) to
``cors.allow_headers`` when that list is configured (empty mirrors the preflight anyway). Pattern
rules cannot be listed by name (CORS has no wildcard with credentials): list those names in
``cors`` yourself.
"""

from __future__ import annotations

from router.headers.settings import HeadersSettings, InsertRule, PropagateRule, Rule
from servicekit.cors import CorsSettings

__all__ = ["cors_with_header_rules"]


def _every_list(headers: HeadersSettings) -> list[tuple[tuple[Rule, ...], tuple[Rule, ...]]]:
    lists = [headers.all, *headers.subgraphs.values()]
    return [(rules.request, rules.response) for rules in lists]


def _client_names(rules: tuple[Rule, ...]) -> list[str]:
    names = []
    for rule in rules:
        if isinstance(rule, PropagateRule) and rule.propagate.named:
            names.append((rule.propagate.rename or rule.propagate.named).lower())
        elif isinstance(rule, InsertRule):
            names.append(rule.insert.name.lower())
    return names


def _read_names(rules: tuple[Rule, ...]) -> list[str]:
    return [
        rule.propagate.named.lower()
        for rule in rules
        if isinstance(rule, PropagateRule) and rule.propagate.named
    ]


def _merged(configured: tuple[str, ...], derived: list[str]) -> tuple[str, ...]:
    seen = {name.lower() for name in configured}
    extra = []
    for name in derived:
        if name not in seen:
            seen.add(name)
            extra.append(name)
    return (*configured, *extra)


def cors_with_header_rules(cors: CorsSettings, headers: HeadersSettings) -> CorsSettings:
    """``cors`` with the names the header rules exchange with clients added."""
    exposed: list[str] = []
    allowed: list[str] = []
    for request, response in _every_list(headers):
        exposed += _client_names(response)
        allowed += _read_names(request)
    update: dict[str, tuple[str, ...]] = {}
    if exposed:
        update["expose_headers"] = _merged(cors.expose_headers, exposed)
    if allowed and cors.allow_headers:
        update["allow_headers"] = _merged(cors.allow_headers, allowed)
    return cors.model_copy(update=update) if update else cors
