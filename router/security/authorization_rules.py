"""The ``@authenticated``, ``@requiresScopes`` and ``@policy`` requirements of a supergraph, read once.

Apollo's semantics (GraphOS Router "Authorization directives"): both directives apply to fields,
objects, interfaces, scalars and enums. ``@authenticated`` needs a verified caller.
``@requiresScopes(scopes: [[...]])`` is an OR of AND-lists: the caller must hold every scope of
at least one inner list (and be authenticated). A field's requirements are its own plus those of
the type it returns; every applicable requirement must hold.

``@policy(policies: [[...]])`` has the same OR-of-AND shape over policy names, but the router
cannot decide a policy itself: a plugin (Apollo Router: a coprocessor or Rhai script) grants
them per request (:mod:`router.plugins.policy`); a policy nobody granted is denied. Unlike
scopes, a policy does not imply authentication (Apollo's ``PolicyFilteringVisitor`` checks only
the granted set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import DirectiveNode, DocumentNode, ListValueNode, StringValueNode, ValueNode, parse

from router.security.spec_directives import argument_value, directive_uses, local_names

__all__ = ["AuthorizationRules", "Requirement"]

ScopeAlternatives = tuple[frozenset[str], ...]
"""One ``@requiresScopes`` (or ``@policy``): any of these scope (policy) sets suffices."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one schema element demands; ``scopes`` holds one entry per ``@requiresScopes``."""

    authenticated: bool = False
    scopes: tuple[ScopeAlternatives, ...] = ()
    policies: tuple[ScopeAlternatives, ...] = ()
    """One entry per ``@policy``: any of these policy sets, all granted, suffices."""

    def satisfied_by(
        self,
        authenticated: bool,
        granted: frozenset[str],
        policies: frozenset[str] = frozenset(),
    ) -> bool:
        """``policies``: the policies granted for this request (by plugins)."""
        if (self.authenticated or self.scopes) and not authenticated:
            return False
        if not all(any(needed <= granted for needed in options) for options in self.scopes):
            return False
        return all(any(needed <= policies for needed in options) for options in self.policies)

    def __and__(self, other: Requirement) -> Requirement:
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    @property
    def is_empty(self) -> bool:
        return not self.authenticated and not self.scopes and not self.policies

    def policy_names(self) -> frozenset[str]:
        """Every policy this requirement mentions (what a plugin is asked to decide)."""
        return frozenset(name for options in self.policies for group in options for name in group)


@dataclass(frozen=True)
class AuthorizationRules:
    """Requirements by schema coordinate (``Type`` or ``Type.field``)."""

    by_coordinate: dict[str, Requirement] = field(default_factory=dict)

    @classmethod
    def from_sdl(cls, sdl: str | DocumentNode) -> AuthorizationRules:
        """Read the directives from a supergraph (link-aware names) or any SDL."""
        document = parse(sdl) if isinstance(sdl, str) else sdl
        authenticated = local_names(document, ("authenticated", "federation"), "authenticated")
        requires_scopes = local_names(document, ("requiresScopes", "federation"), "requiresScopes")
        policy = local_names(document, ("policy", "federation"), "policy")
        rules: dict[str, Requirement] = {}
        for coordinate in directive_uses(document, authenticated):
            rules[coordinate] = Requirement(authenticated=True)
        for coordinate, uses in directive_uses(document, requires_scopes).items():
            found = Requirement(scopes=tuple(_alternatives(use, "scopes") for use in uses))
            rules[coordinate] = rules.get(coordinate, Requirement()) & found
        for coordinate, uses in directive_uses(document, policy).items():
            found = Requirement(policies=tuple(_alternatives(use, "policies") for use in uses))
            rules[coordinate] = rules.get(coordinate, Requirement()) & found
        return cls(rules)

    def get(self, coordinate: str) -> Requirement:
        return self.by_coordinate.get(coordinate, _NONE)

    def all_of(self, coordinates: Iterable[str]) -> Requirement:
        combined = _NONE
        for coordinate in coordinates:
            combined = combined & self.get(coordinate)
        return combined

    @property
    def is_empty(self) -> bool:
        return not self.by_coordinate


_NONE = Requirement()


def _alternatives(directive: DirectiveNode, argument: str) -> ScopeAlternatives:
    value = argument_value(directive, argument)
    if not isinstance(value, ListValueNode):
        return ()
    return tuple(_scope_set(item) for item in value.values)


def _scope_set(value: ValueNode) -> frozenset[str]:
    """An inner list; a bare string is a one-scope list (input coercion of ``[[Scope!]!]!``)."""
    if isinstance(value, StringValueNode):
        return frozenset({value.value})
    if isinstance(value, ListValueNode):
        return frozenset(item.value for item in value.values if isinstance(item, StringValueNode))
    return frozenset()
