"""``@policy`` decided by plugins, with Apollo Router's semantics (GraphOS Router
"Authorization", ``@policy``; its ``authorization`` plugin):

1. **collect**: the router gathers every policy named by a ``@policy`` on the fields and types
   the operation selects (the operation analysis already holds those requirements, once per
   document) and publishes them in the request context under
   ``apollo::authorization::required_policies``, each mapped to ``None``;
2. **decide**: ``on_operation`` hooks (Apollo: a coprocessor or Rhai script at the supergraph
   request stage) set each entry to ``True`` or ``False``;
3. **enforce**: a policy is granted only when set to ``True`` (undecided or absent: denied);
   ``@policy(policies: [[a, b], [c]])`` holds when every policy of at least one inner list is
   granted; the authorization filter (:mod:`router.security.authorization`) removes what is not
   allowed, and the client gets ``null`` there with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error,
   exactly as for ``@authenticated``/``@requiresScopes`` (or a 403 with
   ``authorization.reject_unauthorized``).

With no plugin configured nothing is granted, so fields under ``@policy`` are always removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from router.security.authorization_rules import Requirement

__all__ = ["REQUIRED_POLICIES_KEY", "granted_policies", "required_policies"]

REQUIRED_POLICIES_KEY = "apollo::authorization::required_policies"


def required_policies(requirements: Iterable[Requirement]) -> dict[str, bool | None]:
    """Every policy the operation's requirements mention, undecided (sorted, for stable logs)."""
    names: set[str] = set()
    for requirement in requirements:
        if requirement.policies:
            names |= requirement.policy_names()
    return dict.fromkeys(sorted(names))


def granted_policies(decisions: Mapping[str, object]) -> frozenset[str]:
    """The policies set to ``True`` (anything else, ``None`` included, is a denial)."""
    return frozenset(name for name, decision in decisions.items() if decision is True)
